/**
 * What the SQLite store (main thread) and its writer thread (writer-thread.ts, which owns the database) say to each
 * other. The main thread decides everything it can from memory (leases, cached instance rows, activity row ids) and
 * sends the writes in order; the thread runs them in group commits and answers twice: once a batch is applied (its
 * values, typed errors and effects) and once it is durable.
 */

import type { WeftErrorCode } from "../../core/errors.js";
import type { InboxEvent, RuntimeStatus, TaskCompleted, TaskFailed } from "../../core/history.js";
import type { InstanceState, StartRequest } from "../../core/instance.js";
import type { ActivityTask, OutboxMessage } from "../../core/work.js";
import type { GroupedRow } from "../overview-rows.js";
import type { ActivityTaskColumns } from "../rows.js";
import type { InstanceFilter, OverviewQuery } from "../store.js";
import type { readOverviewHead } from "./overview.js";
import type { InstanceRow } from "./rows.js";

/** A finished turn as the thread writes it. */
export interface TurnWrite {
  instanceNo: number;
  instanceId: string;
  /** Index of the turn's first new event; with `reset` (continue-as-new) the old history is deleted first. */
  seq: number;
  reset: boolean;
  /**
   * The turn's new history events as the JSON text stored (serialised once, by the engine's side), or null when
   * there are none (some turns, such as a terminate of a never-started instance).
   */
  events: string | null;
  inboxIds: number[];
  /** The whole row when status or payloads changed; else only what every turn changes. */
  row: InstanceRow | { updatedAt: number; customStatus: string | null; historyLength: number };
  terminal: boolean;
  /** New activities, with row ids the main thread assigned (so it can dispatch them once the write is durable). */
  activities: ActivityRowWrite[];
  messages: OutboxMessage[];
  childStarts: StartRequest[];
  terminateChildren?: { output?: string };
  now: number;
  /** Lifecycle events of the turn's status change, for the outbox (only when lifecycle events are on). */
  lifecycle?: LifecycleRow[];
}

/** An outbox row: when the change happened, and the event as JSON text. */
export interface LifecycleRow {
  at: number;
  event: string;
}

export interface ActivityRowWrite {
  rowId: number;
  task: ActivityTask;
}

export type Command =
  | {
      op: "create";
      request: StartRequest;
      activities: ActivityRowWrite[];
      /** A rerun starts RUNNING: its `started` event, when lifecycle events are on. */
      lifecycle?: LifecycleRow[];
    }
  | { op: "event"; instanceId: string; event: InboxEvent; now: number; dedupKey?: string }
  | { op: "turn"; turn: TurnWrite }
  | { op: "drop"; inboxIds: number[]; activityIds: number[] }
  | { op: "countDispatch"; rowId: number }
  | { op: "purge"; instanceId: string; recursive: boolean }
  | {
      op: "result";
      rowId: number;
      instanceId: string;
      executionId: string;
      event: TaskCompleted | TaskFailed;
    }
  | { op: "readInbox"; instanceId: string; now: number }
  | { op: "getInstance"; instanceId: string }
  | { op: "loadHistory"; instanceId: string }
  | { op: "getActivity"; rowId: number }
  | { op: "list"; filter: InstanceFilter }
  | { op: "overviewHead"; query: OverviewQuery }
  | { op: "overviewSlice"; query: OverviewQuery; from: number; to: number }
  | { op: "countInstances" }
  | { op: "readEvents"; after: number; limit: number }
  | { op: "eventsTail" }
  | { op: "claimCursor"; name: string; owner: string; until: number; now: number }
  | { op: "saveCursor"; name: string; owner: string; position: string; until: number }
  | { op: "pruneEvents"; before: number }
  | { op: "appendEvent"; row: LifecycleRow; onceKey: string };

export interface InboxRow {
  id: number;
  execution_id: string | null;
  event: string;
}

/** An instance row with the store's own key. */
export type NumberedRow = InstanceRow & { instance_no: number };

export interface ActivityRow extends ActivityTaskColumns {
  id: number;
  dispatch_count: number;
}

/** What each command answers. */
export interface Values {
  create: undefined;
  event: undefined;
  turn: undefined;
  drop: undefined;
  countDispatch: undefined;
  purge: number;
  result: undefined;
  readInbox: InboxRow[];
  getInstance: NumberedRow | undefined;
  /** Undefined when the instance does not exist. */
  loadHistory: string[] | undefined;
  getActivity: ActivityRow | undefined;
  list: InstanceRow[];
  overviewHead: ReturnType<typeof readOverviewHead>;
  overviewSlice: GroupedRow[];
  countInstances: { name: string; status: RuntimeStatus; count: number }[];
  readEvents: { seq: number; event: string }[];
  eventsTail: number;
  /** The position, null when none was saved, or undefined while another owner holds the cursor. */
  claimCursor: string | null | undefined;
  saveCursor: boolean;
  pruneEvents: number;
  /** Whether the event was written (false: its key was already used). */
  appendEvent: boolean;
}

/** An instance row as last written, for the main thread's cache. */
export interface CachedInstance {
  instanceNo: number;
  state: InstanceState;
  historyLength: number;
}

/** What a write changed that the main thread's indexes must follow, in this order. */
export interface Effects {
  /** Instances whose rows were deleted (purged, or replaced by a new run of the id). */
  deleted: string[];
  /** Activity rows deleted because their instance ended or was deleted. */
  droppedActivities: number[];
  /** Instance rows inserted (starts and child starts). */
  created: CachedInstance[];
  /** Inbox rows added. */
  enqueued: { instanceId: string; row: InboxRow & { visible_at: number } }[];
}

export type Outcome =
  | { value: unknown; effects?: Effects }
  | { error: { code: WeftErrorCode; message: string } | { message: string; unexpected: true } };

export type Reply =
  /**
   * The next `count` commands are applied. Only outcomes with a value, an error or effects travel, each with its
   * index in the batch: most turns have none, and cloning an empty outcome per turn cost the engine's thread.
   */
  | { kind: "applied"; count: number; outcomes: [number, Outcome][] }
  /** Every command up to the `upTo`th (counted from the first) is durable. */
  | { kind: "durable"; upTo: number; stats: { commits: number; writes: number } }
  /** A COMMIT failed: nothing since the last durable reply is, and the thread accepts no more writes. */
  | { kind: "failed"; message: string }
  /** The database is closed (after a last commit); the thread is free for another store. */
  | { kind: "closed" };

/**
 * A batch travels as one JSON text (`Command[]`), cheaper to send than a structured clone of the objects, with the
 * turns' history texts beside it: escaped into the JSON, they cost both threads a pass over the text for nothing.
 */
export type Request = { kind: "batch"; json: string; texts: string[] } | { kind: "close" };

/** In a batch's JSON, a turn's `events` is the index of its text in `texts`. */
type WireTurn = Omit<TurnWrite, "events"> & { events: number | null };

/** Encodes a batch (taking the history texts out of the commands). */
export function toBatch(commands: Command[]): Extract<Request, { kind: "batch" }> {
  const texts: string[] = [];
  for (const command of commands) {
    if (command.op !== "turn" || command.turn.events === null) continue;
    texts.push(command.turn.events);
    (command.turn as unknown as WireTurn).events = texts.length - 1;
  }
  return { kind: "batch", json: JSON.stringify(commands), texts };
}

export function fromBatch({ json, texts }: Extract<Request, { kind: "batch" }>): Command[] {
  const commands = JSON.parse(json) as Command[];
  for (const command of commands) {
    if (command.op !== "turn") continue;
    const wire = command.turn as unknown as WireTurn;
    if (wire.events !== null) command.turn.events = texts[wire.events]!;
  }
  return commands;
}

/** The thread's "applied" reply for a batch's outcomes, leaving out those with no value, error or effects. */
export function appliedReply(outcomes: readonly Outcome[]): Extract<Reply, { kind: "applied" }> {
  const listed: [number, Outcome][] = [];
  outcomes.forEach((outcome, i) => {
    if (!isNothing(outcome)) listed.push([i, outcome]);
  });
  return { kind: "applied", count: outcomes.length, outcomes: listed };
}

/** The outcome of each command an "applied" reply answers, in order. */
export function appliedOutcomes(reply: Extract<Reply, { kind: "applied" }>): Outcome[] {
  const outcomes = new Array<Outcome>(reply.count).fill(NOTHING);
  for (const [i, outcome] of reply.outcomes) outcomes[i] = outcome;
  return outcomes;
}

/** What a write with no value and no effects answers. */
const NOTHING: Outcome = { value: undefined };

function isNothing(outcome: Outcome): boolean {
  if ("error" in outcome || outcome.value !== undefined) return false;
  const { effects } = outcome;
  return (
    !effects ||
    (effects.deleted.length === 0 &&
      effects.droppedActivities.length === 0 &&
      effects.created.length === 0 &&
      effects.enqueued.length === 0)
  );
}

/** What the thread reports once it has opened the database: the readiness the indexes are rebuilt from. */
export type Opened =
  | {
      ok: true;
      inbox: { instance_id: string; visible_at: number; rows: number }[];
      activities: { id: number; visible_at: number }[];
    }
  | { ok: false; code: WeftErrorCode; message: string };
