/**
 * Publishes the lifecycle-event outbox to pub/sub topics (workflow-events.ts), at least once: each sink's cursor
 * moves on only after the broker has the events up to it, so a crash in between publishes them again and never
 * skips one. With a shared store, one node at a time holds a sink's cursor (a claim it renews while it runs), so
 * the nodes do not all publish everything. Also prunes events older than the retention.
 */
import type { OutgoingMessage } from "../components/brokers/broker.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { LifecycleEventLog } from "../store/store.js";
import { lifecycleCloudEvent, matches, type WorkflowEventsSink } from "./workflow-events.js";

/** Where the relay sends events: any configured pub/sub component, by name (the trigger manager in `weft run`). */
export interface Publisher {
  publish(pubsubName: string, topic: string, message: OutgoingMessage): Promise<void>;
}

export interface LifecycleRelayOptions {
  log: LifecycleEventLog;
  sinks: readonly WorkflowEventsSink[];
  publisher: Publisher;
  /** This process, as the owner of the cursors it claims. */
  owner: string;
  /** `source` of the CloudEvents. */
  source?: string;
  /** How long a claim lasts unless renewed (default 30 s): after a crash, another node takes over after that. */
  claimMs?: number;
  /** How often to look for new events when not woken (default 1 s; a node is woken by its own changes). */
  pollMs?: number;
  /** Events older than this are deleted (default 24 h). */
  retentionMs?: number;
  logger?: Logger;
}

const BATCH = 100;
const RETRY_MS = 1_000;
const PRUNE_EVERY_MS = 10 * 60_000;

export class LifecycleRelay {
  readonly #options: LifecycleRelayOptions;
  readonly #log: Logger;
  readonly #stop = new AbortController();
  readonly #wakers = new Set<() => void>();
  readonly #loops: Promise<void>[] = [];
  #pruneTimer: NodeJS.Timeout | undefined;

  constructor(options: LifecycleRelayOptions) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
  }

  start(): void {
    for (const sink of this.#options.sinks) this.#loops.push(this.#run(sink));
    const prune = () => {
      const before = Date.now() - (this.#options.retentionMs ?? 24 * 3_600_000);
      this.#options.log
        .prune(before)
        .catch((error: unknown) => this.#log.warn({ err: error }, "pruning old lifecycle events failed"));
    };
    prune();
    this.#pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
    this.#pruneTimer.unref();
  }

  /** New events may be there (this node changed an instance). */
  wake(): void {
    for (const wake of this.#wakers) wake();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    clearInterval(this.#pruneTimer);
    this.wake();
    await Promise.all(this.#loops);
  }

  async #run(sink: WorkflowEventsSink): Promise<void> {
    const { log, publisher, owner } = this.#options;
    const claimMs = this.#options.claimMs ?? 30_000;
    const cursor = `WorkflowEvents/${sink.name}`;
    const source = this.#options.source ?? "weft";
    let position: string | undefined;
    let claimedUntil = 0;
    while (!this.#stop.signal.aborted) {
      try {
        const now = Date.now();
        if (claimedUntil - now < claimMs / 2) {
          const claimed = await log.claimCursor(cursor, owner, now + claimMs, now);
          if (claimed === false) {
            claimedUntil = 0;
            await this.#pause(claimMs / 4);
            continue;
          }
          position = claimed;
          claimedUntil = now + claimMs;
        }
        const batch = await log.read(position, BATCH);
        for (const stored of batch) {
          if (!matches(sink.filter, stored)) continue;
          const record = lifecycleCloudEvent(stored, source);
          await publisher.publish(sink.pubsubName, sink.topic, {
            body: Buffer.from(JSON.stringify(record)),
            // Brokers that drop duplicate ids (JetStream) must not drop the same event sent to another sink.
            id: `${sink.name}/${record.id}`,
            contentType: "application/cloudevents+json",
          });
        }
        if (batch.length > 0) {
          const last = batch.at(-1)!.id;
          const until = Date.now() + claimMs;
          if (await log.saveCursor(cursor, owner, last, until)) {
            position = last;
            claimedUntil = until;
          } else {
            this.#log.warn({ sink: sink.name }, "another node took over a WorkflowEvents cursor");
            claimedUntil = 0;
          }
        }
        if (batch.length < BATCH) await this.#pause(this.#options.pollMs ?? 1_000);
      } catch (error) {
        // The cursor did not move: what was published since is published again.
        this.#log.warn({ err: error, sink: sink.name }, "publishing lifecycle events failed; retrying");
        await this.#pause(RETRY_MS);
      }
    }
  }

  /** Waits `ms`, or less if woken or stopped. */
  #pause(ms: number): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }
}
