/**
 * Pulls work items while there is room, runs each without waiting for it, and pulls again when woken or when a
 * slot frees up. Every `yieldEvery` items it lets the event loop run, so a busy engine still answers its sockets
 * (the store hands out items from memory, which would otherwise keep the loop in promise callbacks for long).
 */
import { setImmediate as nextTick } from "node:timers/promises";

export interface PumpOptions<T> {
  next: () => Promise<T | undefined>;
  run: (item: T) => Promise<void>;
  max: number;
  onError: (error: unknown) => void;
  yieldEvery?: number;
}

export class Pump<T> {
  readonly #options: PumpOptions<T>;
  readonly #running = new Set<Promise<void>>();
  #active = false;
  #pumping = false;
  #again = false;

  constructor(options: PumpOptions<T>) {
    this.#options = options;
  }

  /** Work items being run now. */
  get inFlight(): ReadonlySet<Promise<void>> {
    return this.#running;
  }

  start(): void {
    this.#active = true;
    this.wake();
  }

  stop(): void {
    this.#active = false;
  }

  wake(): void {
    if (!this.#active) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    const { next, run, max, onError, yieldEvery = 64 } = this.#options;
    let taken = 0;
    try {
      do {
        this.#again = false;
        while (this.#active && this.#running.size < max) {
          const item = await next();
          if (item === undefined) break;
          const running = run(item).finally(() => {
            this.#running.delete(running);
            if (this.#running.size === max - 1) this.wake();
          });
          this.#running.add(running);
          if (++taken % yieldEvery === 0) await nextTick();
        }
      } while (this.#again && this.#active);
    } catch (error) {
      onError(error);
    } finally {
      this.#pumping = false;
    }
  }
}
