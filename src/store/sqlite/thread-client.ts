/**
 * The main thread's end of the writer thread (writer-thread.ts): takes a thread (a spare one, or a new one), sends
 * commands in batches (one message per turn of the event loop), and settles each command's promise: a read once
 * applied, a write once durable, a typed error at once. A write's effects reach the store (and so its indexes of
 * ready work) only once the write is durable: nothing a write adds can be leased before its COMMIT. The thread keeps the process alive only while something
 * is waiting on it; after the store closes it is kept as a spare.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { WeftError } from "../../core/errors.js";
import {
  appliedOutcomes,
  type Command,
  type Effects,
  type Opened,
  type Outcome,
  type Reply,
  type Request,
  toBatch,
  type Values,
} from "./protocol.js";
import { RowIds } from "./row-ids.js";
import type { OpenRequest } from "./writer-thread.js";

type Op = Command["op"];
type CommandOf<K extends Op> = Extract<Command, { op: K }>;

interface Sent {
  command: Command;
  seq: number;
  /** Settle on durability (writes) instead of on application (reads). */
  durable: boolean;
  /** An unexpected error stops the store (the main thread has run ahead of this write). */
  fatal: boolean;
  onDurable?: (effects: Effects | undefined, seq: number) => void;
  effects?: Effects;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  value?: unknown;
}

const OPEN_TIMEOUT_MS = 30_000;

export class ThreadClient {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  /** Queued for the next batch, in order. */
  #outbox: Sent[] = [];
  #scheduled = false;
  #seq = 0;
  /** Sent and not yet applied, in order. */
  readonly #inFlight: Sent[] = [];
  /** Applied writes waiting for their commit, in order. */
  readonly #awaitingCommit: Sent[] = [];
  readonly #barriers: { seq: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #durableUpTo = 0;
  #failure: Error | undefined;
  #closed: Promise<void> | undefined;
  #onClosed: (() => void) | undefined;
  readonly #onError = (error: Error) => this.#fail(error);
  readonly #onExit = () => {
    this.#fail(new WeftError("unavailable", "the SQLite writer thread stopped"));
    this.#onClosed?.();
  };
  stats = { commits: 0, writes: 0 };
  readonly opened: Extract<Opened, { ok: true }>;
  /** Ids for rows this side names before the thread writes them. */
  readonly rowIds = new RowIds();

  /** Starts the thread and waits (blocking, as opening a database file does) until it has opened the database. */
  constructor(path: string, options: { maxWritesPerCommit?: number } = {}) {
    const opened = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const request: OpenRequest = {
      path,
      port: port2,
      opened,
      rowIds: this.rowIds.buffer,
      maxWritesPerCommit: options.maxWritesPerCommit,
    };
    this.#worker = spares.pop() ?? spawn();
    this.#worker.postMessage(request, [port2]);
    this.#port = port1;
    this.#worker.on("error", this.#onError);
    this.#worker.on("exit", this.#onExit);
    const waited = Atomics.wait(opened, 0, 0, OPEN_TIMEOUT_MS);
    const answer = receiveMessageOnPort(port1)?.message as Opened | undefined;
    if (waited === "timed-out" || !answer || !answer.ok) {
      this.#detach();
      if (waited === "timed-out") void this.#worker.terminate();
      else spare(this.#worker);
      port1.close();
      const message = answer && !answer.ok ? answer.message : `the SQLite writer thread did not open ${path}`;
      throw new WeftError("unavailable", message);
    }
    this.opened = answer;
    this.#port.on("message", (reply: Reply) => this.#receive(reply));
    this.#idle();
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Queues a command; `onDurable` sees a write's effects once it is durable, just before its promise settles. With
   * `fatal`, an error other than a typed one stops the store.
   */
  send<K extends Op>(
    command: CommandOf<K>,
    onDurable?: (effects: Effects | undefined, seq: number) => void,
    fatal = false,
  ): Promise<Values[K]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new WeftError("unavailable", "the store is closed"));
    return new Promise((resolve, reject) => {
      this.#outbox.push({
        command,
        seq: ++this.#seq,
        durable: !READS.has(command.op),
        fatal,
        onDurable,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#worker.ref();
        this.#port.ref();
        setImmediate(() => this.#flush());
      }
    });
  }

  /** The number of the last command sent. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Resolves once every command sent so far (or up to the `seq`th) is durable. */
  durable(seq = this.#seq): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#durableUpTo >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#barriers.push({ seq, resolve, reject });
      this.#barriers.sort((a, b) => a.seq - b.seq);
    });
  }

  /** Writes what is queued, commits, closes the database, and gives the thread back as a spare. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#onClosed = resolve;
      this.#flush();
      this.#worker.ref();
      this.#port.ref();
      this.#port.postMessage({ kind: "close" } satisfies Request);
    }).then(() => {
      this.#port.close();
      this.#detach();
      if (!this.#failure) spare(this.#worker);
      this.#fail(new WeftError("unavailable", "the store is closed"));
    });
    return this.#closed;
  }

  #detach(): void {
    this.#worker.off("error", this.#onError);
    this.#worker.off("exit", this.#onExit);
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#outbox.length === 0) return;
    const sent = this.#outbox;
    this.#outbox = [];
    this.#inFlight.push(...sent);
    this.#port.postMessage(toBatch(sent.map((s) => s.command)));
  }

  #receive(reply: Reply): void {
    switch (reply.kind) {
      case "applied": {
        const batch = this.#inFlight.splice(0, reply.count);
        appliedOutcomes(reply).forEach((outcome, i) => {
          this.#applied(batch[i]!, outcome);
        });
        break;
      }
      case "durable":
        this.stats = reply.stats;
        this.#durableUpTo = reply.upTo;
        while (this.#awaitingCommit.length > 0 && this.#awaitingCommit[0]!.seq <= reply.upTo) {
          const sent = this.#awaitingCommit.shift()!;
          sent.onDurable?.(sent.effects, sent.seq);
          sent.resolve(sent.value);
        }
        while (this.#barriers.length > 0 && this.#barriers[0]!.seq <= reply.upTo)
          this.#barriers.shift()!.resolve();
        this.#idle();
        break;
      case "failed":
        this.#fail(new WeftError("unavailable", `the store stopped after a failed commit: ${reply.message}`));
        break;
      case "closed":
        this.#onClosed?.();
        break;
    }
  }

  #applied(sent: Sent, outcome: Outcome): void {
    if ("error" in outcome) {
      const { error } = outcome;
      if ("code" in error) sent.reject(new WeftError(error.code, error.message));
      else if (!sent.fatal) sent.reject(new Error(error.message));
      else {
        const failure = new WeftError(
          "unavailable",
          `the store stopped after a failed write: ${error.message}`,
        );
        sent.reject(failure);
        this.#fail(failure);
      }
      return;
    }
    if (!sent.durable) {
      sent.resolve(outcome.value);
      return;
    }
    sent.value = outcome.value;
    sent.effects = outcome.effects;
    this.#awaitingCommit.push(sent);
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const sent of [...this.#inFlight, ...this.#awaitingCommit, ...this.#outbox]) sent.reject(error);
    for (const barrier of this.#barriers.splice(0)) barrier.reject(error);
    this.#inFlight.length = 0;
    this.#awaitingCommit.length = 0;
    this.#outbox = [];
    this.#idle();
  }

  /** Nothing waits on the thread: it must not keep the process alive. */
  #idle(): void {
    if (this.#closed) return;
    if (this.#outbox.length > 0 || this.#inFlight.length > 0 || this.#awaitingCommit.length > 0) return;
    if (this.#barriers.length > 0) return;
    this.#worker.unref();
    this.#port.unref();
  }
}

const READS: ReadonlySet<Op> = new Set([
  "readInbox",
  "getInstance",
  "loadHistory",
  "getActivity",
  "list",
  "readEvents",
  "eventsTail",
]);

/** Threads of closed stores, idle and unreferenced, for the next store to open. */
const spares: Worker[] = [];
const MAX_SPARES = 2;

function spare(worker: Worker): void {
  if (spares.length >= MAX_SPARES) {
    void worker.terminate();
    return;
  }
  worker.unref();
  spares.push(worker);
}

/** From the compiled package the thread is plain JavaScript; from source (tests, benchmarks) tsx compiles it. */
function spawn(): Worker {
  const worker = import.meta.url.endsWith(".ts")
    ? new Worker(
        `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(
          new URL("./writer-thread.ts", import.meta.url).href,
        )}); })`,
        { eval: true },
      )
    : new Worker(new URL("./writer-thread.js", import.meta.url));
  worker.once("exit", () => {
    const index = spares.indexOf(worker);
    if (index >= 0) spares.splice(index, 1);
  });
  return worker;
}
