/**
 * Retention (Dapr's `stateRetentionPolicy`) as housekeeping: every so often each node purges the top-level
 * instances whose policy's age has passed since they finished, with their children, histories and inboxes. It
 * works in small batches, each a listing and one purge per instance through the store contract, and pauses
 * between batches, so the hot path never waits behind a large delete. Several nodes may sweep at once: a purge
 * of an instance another node just purged is `not_found`, which is skipped, so a sweep is idempotent.
 */
import type { RetentionPolicy } from "../config/workflow-config.js";
import { isWeftError } from "../core/errors.js";
import type { RuntimeStatus } from "../core/history.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { Store } from "../store/store.js";

export interface RetentionOptions {
  store: Store;
  policy: RetentionPolicy;
  clock?: () => number;
  /** Instances listed and purged per batch. */
  batchSize?: number;
  /** Pause between batches, so other work gets the store in between. */
  pauseMs?: number;
  /** How often a sweep starts (with some jitter, so nodes do not sweep in step). */
  intervalMs?: number;
  logger?: Logger;
}

const TERMINAL = ["COMPLETED", "FAILED", "TERMINATED"] as const;
type Terminal = (typeof TERMINAL)[number];

export class Retention {
  readonly #options: Required<Omit<RetentionOptions, "logger">>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;
  #stopped = false;

  constructor(options: RetentionOptions) {
    this.#options = {
      store: options.store,
      policy: options.policy,
      clock: options.clock ?? Date.now,
      batchSize: options.batchSize ?? 100,
      pauseMs: options.pauseMs ?? 20,
      intervalMs: options.intervalMs ?? 30_000,
    };
    this.#log = options.logger ?? silentLogger;
  }

  /** Whether the policy keeps any status for a limited time. */
  get active(): boolean {
    return TERMINAL.some((status) => this.ageOf(status) !== undefined);
  }

  /** How long instances that ended with `status` are kept, if the policy says. */
  ageOf(status: Terminal): number | undefined {
    const policy = this.#options.policy;
    const own = { COMPLETED: policy.completed, FAILED: policy.failed, TERMINATED: policy.terminated }[status];
    return own ?? policy.anyTerminal;
  }

  start(): void {
    if (!this.active || this.#timer) return;
    this.#stopped = false;
    const schedule = () => {
      const jitter = Math.floor(Math.random() * this.#options.intervalMs * 0.2);
      this.#timer = setTimeout(() => {
        void this.sweep()
          .catch((error) => this.#log.warn({ err: error }, "a retention sweep failed; the next one retries"))
          .finally(() => {
            if (!this.#stopped) schedule();
          });
      }, this.#options.intervalMs + jitter);
      this.#timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sweeping?.catch(() => {});
  }

  /** Purges what is due now; returns how many instances (children included) it deleted. */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async #sweep(): Promise<number> {
    const { store, clock, batchSize, pauseMs } = this.#options;
    let purged = 0;
    for (const status of TERMINAL) {
      const age = this.ageOf(status);
      if (age === undefined) continue;
      for (;;) {
        if (this.#stopped) return purged;
        const cutoff = clock() - age;
        const due = await store.listInstances({
          statuses: [status as RuntimeStatus],
          completedBefore: cutoff,
          topLevel: true,
          limit: batchSize,
        });
        let skipped = 0;
        for (const instance of due) {
          try {
            purged += await store.purgeInstance(instance.instanceId, { recursive: true });
          } catch (error) {
            // Purged by another node meanwhile, or a child still runs: the next sweep looks again.
            if (!isWeftError(error, "not_found") && !isWeftError(error, "failed_precondition")) throw error;
            skipped++;
          }
        }
        // A batch of nothing but skipped instances would come back the same: leave them to the next sweep.
        if (due.length < batchSize || skipped === due.length) break;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
    if (purged > 0) this.#log.info({ purged }, "retention purged finished instances");
    return purged;
  }
}
