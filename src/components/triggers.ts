/**
 * TriggerManager: runs a trigger plan against a workflow service. It opens the pub/sub components, subscribes
 * each Subscription's topic, starts the input bindings and cron schedules, and gives the publish API its
 * components. Brokers must be reachable at start (a clear error otherwise); later outages are ridden out by
 * each client's reconnects, with unacknowledged messages redelivered.
 */
import { WeftError } from "../core/errors.js";
import { type Logger, silentLogger } from "../core/logger.js";
import type { InstanceManagement } from "../engine/management.js";
import { CronTrigger } from "./bindings/cron.js";
import type { InputBinding, OutgoingMessage, PubSub } from "./brokers/broker.js";
import { type DeliveryOptions, deliveryHandler } from "./delivery.js";
import type { TriggerPlan } from "./plan.js";

export interface TriggerManagerOptions {
  service: InstanceManagement;
  logger?: Logger;
  /** How long `start` waits for a component to connect and set up its consumer. */
  connectTimeoutMs?: number;
  /** How long `terminate-and-restart` waits for the old run to end. */
  terminateTimeoutMs?: number;
}

export class TriggerManager {
  readonly #plan: TriggerPlan;
  readonly #options: TriggerManagerOptions;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  readonly #pubsubs = new Map<string, PubSub>();
  readonly #bindings: InputBinding[] = [];
  readonly #crons: CronTrigger[] = [];

  constructor(plan: TriggerPlan, options: TriggerManagerOptions) {
    this.#plan = plan;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  get pubsubNames(): string[] {
    return this.#plan.pubsubs.map((p) => p.name);
  }

  async start(): Promise<void> {
    try {
      for (const skipped of this.#plan.skipped) this.#logger.debug(skipped, "component not used by triggers");
      for (const p of this.#plan.pubsubs) this.#pubsubs.set(p.name, p.create(this.#logger));
      for (const s of this.#plan.subscriptions) {
        const pubsub = this.#pubsubs.get(s.pubsubName)!;
        const deadLetterTopic = s.deadLetterTopic;
        const deadLetter = deadLetterTopic
          ? (body: Uint8Array) => pubsub.publish(deadLetterTopic, { body: Buffer.from(body) })
          : undefined;
        const handler = deliveryHandler(
          this.#delivery(s.name, s.route, `${s.pubsubName}/${s.topic}`, deadLetter),
        );
        await this.#connect(`subscription '${s.name}' (${s.file})`, pubsub.subscribe(s.topic, handler));
      }
      for (const b of this.#plan.bindings) {
        const binding = b.create(this.#logger);
        this.#bindings.push(binding);
        const target = b.deadLetter;
        const deadLetter = target
          ? (body: Uint8Array) => this.publish(target.pubsubName, target.topic, { body: Buffer.from(body) })
          : undefined;
        const handler = deliveryHandler(this.#delivery(b.name, b.route, b.name, deadLetter));
        await this.#connect(`binding '${b.name}' (${b.file})`, binding.start(handler));
      }
      for (const c of this.#plan.crons) {
        const cron = new CronTrigger({ ...c, service: this.#options.service, logger: this.#logger });
        this.#crons.push(cron);
        await cron.start();
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Publishes to a topic of a pub/sub component (the publish API and dead-lettering use this). */
  async publish(pubsubName: string, topic: string, message: OutgoingMessage): Promise<void> {
    const pubsub = this.#pubsubs.get(pubsubName);
    if (!pubsub) throw new WeftError("not_found", `pubsub '${pubsubName}' not found`);
    await pubsub.publish(topic, message);
  }

  /** Stops consuming (unprocessed messages stay with their brokers), then closes the components. */
  async close(): Promise<void> {
    this.#stop.abort();
    const quietly = (close: () => Promise<void>) =>
      close().catch((error) => this.#logger.warn({ err: error }, "closing a trigger component failed"));
    await Promise.all(this.#crons.map((c) => quietly(() => c.close())));
    await Promise.all(this.#bindings.map((b) => quietly(() => b.close())));
    await Promise.all([...this.#pubsubs.values()].map((p) => quietly(() => p.close())));
    this.#crons.length = 0;
    this.#bindings.length = 0;
    this.#pubsubs.clear();
  }

  #delivery(
    triggerName: string,
    route: DeliveryOptions["route"],
    source: string,
    deadLetter: DeliveryOptions["deadLetter"],
  ): DeliveryOptions {
    return {
      triggerName,
      route,
      source,
      service: this.#options.service,
      logger: this.#logger,
      signal: this.#stop.signal,
      terminateTimeoutMs: this.#options.terminateTimeoutMs,
      ...(deadLetter ? { deadLetter } : {}),
    };
  }

  async #connect(what: string, setup: Promise<void>): Promise<void> {
    const ms = this.#options.connectTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms);
    });
    try {
      await Promise.race([setup, timeout]);
    } catch (error) {
      setup.catch(() => {}); // settles after close(); its outcome no longer matters
      throw new WeftError("unavailable", `${what}: cannot reach the broker: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
