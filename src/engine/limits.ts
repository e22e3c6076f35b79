/**
 * Concurrency and rate limits as a scheduling rule: before the engine runs a leased turn or activity whose name
 * (or kind) is limited, it takes a ticket in that limit's queue (store/slots.ts) and waits until the ticket is
 * among the first `maxConcurrent`; a rate limit then waits for room in the last second's starts. Waiting work
 * stays leased to this node (a crash gives it back with the lease), so it is never lost, and tickets are served
 * in order across nodes, so none is starved. On this node only the head of each queue polls: a later ticket
 * cannot be granted before an earlier one.
 *
 * Keys: `workflow:*` and `activity:*` for the global limits, `workflow:<name>` and `activity:<name>` per name.
 * A name's own limit is taken before the global one, so work waiting for its name holds no global slot.
 */
import type { NameLimit, WorkflowSettings } from "../config/workflow-config.js";
import type { ConcurrencySlots } from "../store/slots.js";

export type LimitKind = "workflow" | "activity";

/** One limit as metrics see it (this node's view: `running` and `waiting` count this node's work). */
export interface LimitState {
  kind: LimitKind;
  /** The limited name, or `*` for all names of the kind. */
  name: string;
  maxConcurrent?: number;
  maxPerSecond?: number;
  running: number;
  waiting: number;
}

export interface LimiterOptions {
  settings: WorkflowSettings;
  slots: ConcurrencySlots;
  /** This node's name in the slots (a random one by default). */
  holder?: string;
  clock?: () => number;
  /** How often the head of a queue asks again whether a slot freed up on another node. */
  pollMs?: number;
}

export interface Admission {
  release(): Promise<void>;
}

interface Waiter {
  ticket: number;
  granted: () => void;
  failed: (error: unknown) => void;
}

interface Limit extends LimitState {
  key: string;
  queue: Waiter[];
  polling: boolean;
  wake?: () => void;
}

export class Limiter {
  readonly #slots: ConcurrencySlots;
  readonly #holder: string;
  readonly #clock: () => number;
  readonly #pollMs: number;
  readonly #limits = new Map<string, Limit>();
  readonly #rates = new Map<string, { queue: (() => void)[]; busy: boolean }>();
  #renewal: NodeJS.Timeout | undefined;

  constructor(options: LimiterOptions) {
    this.#slots = options.slots;
    this.#holder = options.holder ?? `node-${globalThis.crypto.randomUUID()}`;
    this.#clock = options.clock ?? Date.now;
    this.#pollMs = options.pollMs ?? 50;
    const s = options.settings;
    this.#add("workflow", "*", { name: "*", maxConcurrent: s.globalMaxConcurrentWorkflowInvocations });
    this.#add("activity", "*", { name: "*", maxConcurrent: s.globalMaxConcurrentActivityInvocations });
    for (const limit of s.workflowConcurrencyLimits) this.#add("workflow", limit.name, limit);
    for (const limit of s.activityConcurrencyLimits) this.#add("activity", limit.name, limit);
  }

  /** Whether any limit is configured (without one the engine never asks). */
  get active(): boolean {
    return this.#limits.size > 0;
  }

  start(): void {
    if (this.#renewal || !this.active) return;
    const renew = () => void this.#slots.renew(this.#holder, this.#clock()).catch(() => {});
    renew();
    this.#renewal = setInterval(renew, Math.max(Math.floor(this.#slots.ttlMs / 3), 10));
    this.#renewal.unref();
  }

  stop(): void {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
  }

  /** The limits and this node's work under each, for metrics. */
  states(): LimitState[] {
    return [...this.#limits.values()].map(
      ({ kind, name, maxConcurrent, maxPerSecond, running, waiting }) => ({
        kind,
        name,
        ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
        ...(maxPerSecond !== undefined ? { maxPerSecond } : {}),
        running,
        waiting,
      }),
    );
  }

  /**
   * Waits until work of this kind and name may run; undefined (at once, no promise) when no limit applies.
   * Rejects if `signal` aborts first (the caller then gives the work back).
   */
  admit(kind: LimitKind, name: string, signal: AbortSignal): Promise<Admission> | undefined {
    const own = this.#limits.get(`${kind}:${name}`);
    const global = this.#limits.get(`${kind}:*`);
    if (!own && !global) return undefined;
    return this.#admit(
      [own, global].filter((l): l is Limit => l !== undefined),
      signal,
    );
  }

  async #admit(limits: Limit[], signal: AbortSignal): Promise<Admission> {
    const held: { limit: Limit; ticket: number }[] = [];
    const release = async () => {
      for (const { limit, ticket } of held.splice(0).reverse()) {
        limit.running--;
        await this.#slots.release(limit.key, ticket).catch(() => {});
        limit.wake?.();
      }
    };
    try {
      for (const limit of limits) {
        if (limit.maxConcurrent !== undefined) {
          const ticket = await this.#slots.enqueue(limit.key, this.#holder, this.#clock());
          limit.waiting++;
          try {
            await this.#waitForTurn(limit, ticket, signal);
          } catch (error) {
            await this.#slots.release(limit.key, ticket).catch(() => {});
            throw error;
          } finally {
            limit.waiting--;
          }
          limit.running++;
          held.push({ limit, ticket });
        }
        if (limit.maxPerSecond !== undefined) await this.#waitForRate(limit, signal);
      }
    } catch (error) {
      await release();
      throw error;
    }
    return { release };
  }

  #waitForTurn(limit: Limit, ticket: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        ticket,
        granted: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
        failed: reject,
      };
      const onAbort = () => {
        const index = limit.queue.indexOf(waiter);
        if (index >= 0) limit.queue.splice(index, 1);
        reject(signal.reason ?? new Error("aborted"));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      limit.queue.push(waiter);
      limit.queue.sort((a, b) => a.ticket - b.ticket);
      void this.#poll(limit);
    });
  }

  /** Serves a queue head first while there are waiters; sleeps between checks, or until a local release. */
  async #poll(limit: Limit): Promise<void> {
    if (limit.polling) {
      limit.wake?.();
      return;
    }
    limit.polling = true;
    try {
      while (limit.queue.length > 0) {
        const head = limit.queue[0]!;
        let granted: boolean;
        try {
          granted = await this.#slots.isGranted(limit.key, head.ticket, limit.maxConcurrent!, this.#clock());
        } catch {
          granted = false;
        }
        if (limit.queue[0] !== head) continue;
        if (granted) {
          limit.queue.shift();
          head.granted();
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#pollMs);
          limit.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        limit.wake = undefined;
      }
    } finally {
      limit.polling = false;
    }
  }

  /** Rate limits: one start at a time per key takes its place in the last second's starts, in arrival order. */
  async #waitForRate(limit: Limit, signal: AbortSignal): Promise<void> {
    const rate = this.#rates.get(limit.key)!;
    if (rate.busy) {
      await new Promise<void>((resolve) => rate.queue.push(resolve));
    }
    rate.busy = true;
    try {
      limit.waiting++;
      const pause = Math.max(5, Math.floor(1000 / limit.maxPerSecond! / 2));
      for (;;) {
        signal.throwIfAborted();
        if (await this.#slots.takeRate(limit.key, limit.maxPerSecond!, this.#clock()).catch(() => false))
          return;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    } finally {
      limit.waiting--;
      const next = rate.queue.shift();
      if (next) next();
      else rate.busy = false;
    }
  }

  #add(kind: LimitKind, name: string, limit: NameLimit): void {
    if (limit.maxConcurrent === undefined && limit.maxPerSecond === undefined) return;
    const key = `${kind}:${name}`;
    this.#limits.set(key, {
      key,
      kind,
      name,
      maxConcurrent: limit.maxConcurrent,
      maxPerSecond: limit.maxPerSecond,
      running: 0,
      waiting: 0,
      queue: [],
      polling: false,
    });
    if (limit.maxPerSecond !== undefined) this.#rates.set(key, { queue: [], busy: false });
  }
}
