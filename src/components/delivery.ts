/**
 * Turns a trigger's route into a broker message handler: parse the message into a CloudEvent, dispatch it, and
 * either acknowledge it (processed, duplicate, ignored), dead-letter it (an error no retry can fix), or retry it
 * with backoff (the store or engine is unavailable). Only shutdown leaves a message unacknowledged, so the broker
 * redelivers it to whoever consumes next.
 */

import type { Logger } from "../core/logger.js";
import type { InstanceManagement } from "../engine/management.js";
import { type BrokerMessage, type MessageHandler, sleep } from "./brokers/broker.js";
import { type EventRecord, receivedEvent } from "./cloud-event.js";
import { dispatch, isPermanentFailure } from "./dispatch.js";
import type { WorkflowRoute } from "./route.js";

export interface DeliveryOptions {
  /** The Subscription's or binding's name. */
  triggerName: string;
  route: WorkflowRoute;
  /** `source` of the CloudEvent that wraps a message which is not one. */
  source: string;
  service: InstanceManagement;
  /** Where messages go that cannot be processed; without it they are logged and dropped. */
  deadLetter?: (body: Uint8Array) => Promise<void>;
  logger: Logger;
  /** Aborted at shutdown: retries stop and the message stays with the broker. */
  signal: AbortSignal;
  terminateTimeoutMs?: number;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 10_000;

export function deliveryHandler(options: DeliveryOptions): MessageHandler {
  return (message) => deliver(options, message);
}

async function deliver(options: DeliveryOptions, message: BrokerMessage): Promise<void> {
  const { logger, triggerName, signal } = options;
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw new Error(`trigger '${triggerName}' is shutting down`);
    let event: EventRecord | undefined;
    try {
      event = receivedEvent(message.body, { id: message.id, source: options.source });
      const outcome = await dispatch(
        { service: options.service, triggerName, terminateTimeoutMs: options.terminateTimeoutMs },
        options.route,
        event,
      );
      logger.debug({ trigger: triggerName, eventId: event.id, outcome }, "trigger message processed");
      return;
    } catch (error) {
      if (isPermanentFailure(error)) {
        if (await deadLetter(options, message, event, error as Error)) return;
      } else {
        logger.warn(
          { trigger: triggerName, eventId: event?.id, attempt, err: error },
          "trigger message failed; retrying",
        );
      }
    }
    await sleep(Math.min(FIRST_RETRY_MS * 2 ** attempt, MAX_RETRY_MS), signal);
  }
}

/** True once the message is dead-lettered (or dropped, with no dead-letter target); false to retry. */
async function deadLetter(
  options: DeliveryOptions,
  message: BrokerMessage,
  event: EventRecord | undefined,
  reason: Error,
): Promise<boolean> {
  const fields = { trigger: options.triggerName, eventId: event?.id, reason: reason.message };
  if (!options.deadLetter) {
    options.logger.error(fields, "trigger message cannot be processed and has no dead-letter topic; dropped");
    return true;
  }
  try {
    await options.deadLetter(message.body);
    options.logger.warn(fields, "trigger message cannot be processed; sent to the dead-letter topic");
    return true;
  } catch (error) {
    options.logger.warn({ ...fields, err: error }, "dead-lettering failed; retrying");
    return false;
  }
}
