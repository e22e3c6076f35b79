/**
 * Applies one received event to the workflow service, idempotently: brokers deliver at least once, so the same
 * message may arrive again after a crash, a lost ack or a broker restart. A start uses `idReuse: "never"` and
 * records which message started the instance (instance metadata), so a redelivery is recognised; an event is
 * raised with the message's identity as its `dedupKey`, so the store drops a second copy.
 */
import { isWeftError, WeftError } from "../core/errors.js";
import { isTerminalStatus } from "../core/history.js";
import type { InstanceState } from "../core/instance.js";
import { withTraceparent } from "../engine/lifecycle.js";
import type { InstanceManagement } from "../engine/management.js";
import { type EventRecord, eventIdentity } from "./cloud-event.js";
import type { WorkflowRoute } from "./route.js";
import { selectField } from "./template.js";

export type DispatchOutcome = "started" | "restarted" | "raised" | "ignored" | "duplicate";

/** Instance metadata naming the trigger and message that started an instance. */
export const TRIGGER_METADATA = {
  trigger: "weft.trigger",
  source: "weft.cloudevent.source",
  id: "weft.cloudevent.id",
} as const;

export interface DispatchContext {
  service: InstanceManagement;
  /** The Subscription's or binding's name: part of the message identity, so fan-out triggers each act. */
  triggerName: string;
  /** How long terminate-and-restart waits for the old run to end before retrying the message later. */
  terminateTimeoutMs?: number;
}

export async function dispatch(
  context: DispatchContext,
  route: WorkflowRoute,
  event: EventRecord,
): Promise<DispatchOutcome> {
  const { service, triggerName } = context;
  // Binary data travels as data_base64; workflows get it as a base64 string.
  const view = event.data === undefined && event.data_base64 ? { ...event, data: event.data_base64 } : event;
  const instanceId = route.instanceId.render(view);
  const selected = selectField(view, route.input);
  const input = selected === undefined ? undefined : JSON.stringify(selected);
  const dedupKey = `trigger/${triggerName}/${eventIdentity(event)}`;
  // A CloudEvent's W3C trace context (Dapr's publish API copies the publisher's into it) parents the workflow, or
  // the span of the event raised.
  const traceparent = typeof event.traceparent === "string" ? event.traceparent : undefined;
  if (route.action === "raise-event") {
    await service.raiseEvent(instanceId, route.eventName, input, { dedupKey, traceparent });
    return "raised";
  }
  const metadata = withTraceparent(
    {
      [TRIGGER_METADATA.trigger]: triggerName,
      [TRIGGER_METADATA.source]: event.source,
      [TRIGGER_METADATA.id]: event.id,
    },
    traceparent,
  )!;
  const start = (idReuse: "never" | "terminal") =>
    service.start({ name: route.workflowName, input, instanceId, metadata, idReuse });
  const startedByThisMessage = (state: InstanceState | undefined) =>
    state?.metadata?.[TRIGGER_METADATA.trigger] === triggerName &&
    state.metadata[TRIGGER_METADATA.source] === event.source &&
    state.metadata[TRIGGER_METADATA.id] === event.id;

  // A few rounds cover a concurrent node replacing or purging the instance between our reads and writes.
  for (let round = 0; round < 3; round++) {
    if (await created(() => start("never"))) return "started";
    const existing = await service.get(instanceId);
    if (!existing) continue;
    if (startedByThisMessage(existing)) return "duplicate";
    switch (route.onExists) {
      case "ignore":
        return "ignored";
      case "error":
        throw new WeftError(
          "already_exists",
          `workflow instance '${instanceId}' already exists (${existing.status}) and onExists is error`,
        );
      case "raise-event":
        // A finished instance takes no more events (the store would drop it).
        if (isTerminalStatus(existing.status)) return "ignored";
        await service.raiseEvent(instanceId, route.eventName!, input, { dedupKey, traceparent });
        return "raised";
      case "terminate-and-restart":
        if (!isTerminalStatus(existing.status)) {
          try {
            await service.terminate(instanceId);
            await service.waitForCompletion(instanceId, context.terminateTimeoutMs ?? 30_000);
          } catch (error) {
            if (!isWeftError(error, "not_found")) throw error;
          }
        }
        if (await created(() => start("terminal"))) return "restarted";
    }
  }
  throw new WeftError("unavailable", `workflow instance '${instanceId}' kept changing while being started`);
}

/** True if the start created the instance, false if one already held the id. */
async function created(start: () => Promise<unknown>): Promise<boolean> {
  try {
    await start();
    return true;
  } catch (error) {
    if (isWeftError(error, "already_exists")) return false;
    throw error;
  }
}

/** Errors that no retry can fix: the message is dead-lettered instead of redelivered forever. */
export function isPermanentFailure(error: unknown): boolean {
  return (
    isWeftError(error) &&
    ["invalid_argument", "not_found", "already_exists", "failed_precondition", "payload_too_large"].includes(
      error.code,
    )
  );
}
