/**
 * The workers' GetWorkItems streams and the work sent on them. Workers compete: each item goes to the connected
 * stream with the fewest unfinished items. Each stream holds at most `maxPerStream` unfinished items, because
 * @dapr/dapr 3.18 silently drops what arrives beyond 10 running + 100 queued; the rest waits here.
 *
 * The old protocol correlates a result with its item only by instance id (plus task id for activities), so two
 * items with the same key are never out at once, and a result is accepted only from the connection the item was
 * sent on (a worker that was cut off may still answer for an item that has since gone elsewhere).
 */
import type { OutgoingWorkItem } from "./encoded-work.js";
import type { WireActivityResponse, WireOrchestratorResponse, WireWorkItem } from "./wire.js";

/** Why an item did not complete: the engine treats it as "try again later". */
export class WorkItemNotCompleted extends Error {}

export interface WorkStream {
  readonly id: number;
  /** The client's address; results for this stream's items must come from the same one. */
  readonly peer: string;
}

interface StreamState extends WorkStream {
  readonly send: (item: OutgoingWorkItem) => void;
  unfinished: number;
}

interface Pending {
  readonly key: string;
  readonly item: OutgoingWorkItem;
  readonly resolve: (response: unknown) => void;
  readonly reject: (error: Error) => void;
  stream?: StreamState;
}

export interface WorkStreamsOptions {
  maxPerStream: number;
  /** Called when a stream opens, so work that waited for a worker can be dispatched. */
  onConnect?: () => void;
}

export class WorkStreams {
  readonly #maxPerStream: number;
  readonly #onConnect: () => void;
  readonly #streams = new Map<number, StreamState>();
  /** Items not yet sent, in arrival order. */
  readonly #waiting: Pending[] = [];
  /** Items sent and not yet answered, by key. */
  readonly #inFlight = new Map<string, Pending>();
  #nextId = 1;

  constructor(options: WorkStreamsOptions) {
    this.#maxPerStream = Math.max(1, options.maxPerStream);
    this.#onConnect = options.onConnect ?? (() => {});
  }

  get connected(): boolean {
    return this.#streams.size > 0;
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  open(peer: string, send: (item: OutgoingWorkItem) => void): WorkStream {
    const stream: StreamState = { id: this.#nextId++, peer, send, unfinished: 0 };
    this.#streams.set(stream.id, stream);
    this.#pump();
    this.#onConnect();
    return stream;
  }

  /** The stream is gone: its unfinished items fail back to the engine, which dispatches them again. */
  close(handle: WorkStream): void {
    const stream = this.#streams.get(handle.id);
    if (!stream) return;
    this.#streams.delete(stream.id);
    for (const pending of [...this.#inFlight.values()]) {
      if (pending.stream === stream)
        this.#fail(pending, "the worker's stream closed before the item completed");
    }
    if (this.#streams.size === 0) {
      for (const pending of this.#waiting.splice(0)) this.#fail(pending, "no worker is connected");
    }
    this.#pump();
  }

  /** Fails everything (the server is shutting down). */
  closeAll(): void {
    for (const stream of [...this.#streams.values()]) this.close(stream);
  }

  dispatchTurn(instanceId: string, item: OutgoingWorkItem): Promise<WireOrchestratorResponse> {
    return this.#dispatch(turnKey(instanceId), item) as Promise<WireOrchestratorResponse>;
  }

  dispatchActivity(instanceId: string, taskId: number, item: WireWorkItem): Promise<WireActivityResponse> {
    return this.#dispatch(activityKey(instanceId, taskId), item) as Promise<WireActivityResponse>;
  }

  /** False when no such item is out on a stream of this peer. */
  completeTurn(peer: string, response: WireOrchestratorResponse): boolean {
    return this.#complete(turnKey(response.instanceId ?? ""), peer, response);
  }

  completeActivity(peer: string, response: WireActivityResponse): boolean {
    return this.#complete(activityKey(response.instanceId ?? "", response.taskId ?? 0), peer, response);
  }

  #dispatch(key: string, item: OutgoingWorkItem): Promise<unknown> {
    if (this.#streams.size === 0) return Promise.reject(new WorkItemNotCompleted("no worker is connected"));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ key, item, resolve, reject });
      this.#pump();
    });
  }

  #complete(key: string, peer: string, response: unknown): boolean {
    const pending = this.#inFlight.get(key);
    if (!pending || pending.stream?.peer !== peer) return false;
    this.#release(pending);
    pending.resolve(response);
    this.#pump();
    return true;
  }

  #fail(pending: Pending, reason: string): void {
    if (pending.stream) this.#release(pending);
    const index = this.#waiting.indexOf(pending);
    if (index >= 0) this.#waiting.splice(index, 1);
    pending.reject(new WorkItemNotCompleted(reason));
  }

  #release(pending: Pending): void {
    this.#inFlight.delete(pending.key);
    if (pending.stream) pending.stream.unfinished -= 1;
    pending.stream = undefined;
  }

  #pump(): void {
    for (let i = 0; i < this.#waiting.length; ) {
      const pending = this.#waiting[i]!;
      if (this.#inFlight.has(pending.key)) {
        i += 1;
        continue;
      }
      const stream = this.#leastBusy();
      if (!stream) return;
      this.#waiting.splice(i, 1);
      pending.stream = stream;
      stream.unfinished += 1;
      this.#inFlight.set(pending.key, pending);
      try {
        stream.send(pending.item);
      } catch {
        this.close(stream);
        return;
      }
    }
  }

  #leastBusy(): StreamState | undefined {
    let best: StreamState | undefined;
    for (const stream of this.#streams.values()) {
      if (stream.unfinished >= this.#maxPerStream) continue;
      if (!best || stream.unfinished < best.unfinished) best = stream;
    }
    return best;
  }
}

function turnKey(instanceId: string): string {
  return `workflow\u0000${instanceId}`;
}

function activityKey(instanceId: string, taskId: number): string {
  return `activity\u0000${instanceId}\u0000${taskId}`;
}
