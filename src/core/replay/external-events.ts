/**
 * External events as a workflow sees them: matched to waiters by name, case-insensitively, first come first
 * served; events nobody waits for yet are buffered (and handed over on continue-as-new when asked).
 */
import type { EventRaised } from "../history.js";
import { decodePayload } from "../payload.js";
import { CompletableTask } from "./task.js";

export class ExternalEvents {
  readonly #waiters = new Map<string, CompletableTask<unknown>[]>();
  readonly #buffered: EventRaised[] = [];

  /** Events received and not consumed, in arrival order. */
  get buffered(): EventRaised[] {
    return this.#buffered;
  }

  /** Completes the oldest waiter for the event's name; returns false when the event was buffered instead. */
  deliver(event: EventRaised): boolean {
    const waiter = this.#waiters.get(event.name.toLowerCase())?.shift();
    if (!waiter) {
      this.#buffered.push(event);
      return false;
    }
    waiter.complete(decodePayload(event.input));
    return true;
  }

  /** Keeps an event that arrived after the workflow finished, for the carryover of a continue-as-new. */
  keep(event: EventRaised): void {
    this.#buffered.push(event);
  }

  wait<T>(name: string): CompletableTask<T> {
    const key = name.toLowerCase();
    const task = new CompletableTask<T>();
    const index = this.#buffered.findIndex((e) => e.name.toLowerCase() === key);
    if (index >= 0) {
      const [event] = this.#buffered.splice(index, 1);
      task.complete(decodePayload(event!.input) as T);
      return task;
    }
    const waiters = this.#waiters.get(key) ?? [];
    waiters.push(task as CompletableTask<unknown>);
    this.#waiters.set(key, waiters);
    return task;
  }

  /** Stops waiting (a timeout fired): a later event with this name goes to the next waiter or the buffer. */
  cancel(name: string, task: CompletableTask<unknown>): void {
    const list = this.#waiters.get(name.toLowerCase());
    const index = list?.indexOf(task) ?? -1;
    if (index >= 0) list!.splice(index, 1);
  }
}
