/**
 * The SQLite store's writer thread. It owns the database: every statement and every COMMIT (with its fsync) runs
 * here, so the engine's thread keeps running workflows while a batch is written and flushed. Commands arrive in
 * batches (protocol.ts) and run in order inside group commits; each batch is answered once applied and again,
 * with the rest of its commit, once durable. After a store closes, the thread waits for the next one to open
 * (starting a thread costs more than opening a database).
 */
import { type MessagePort, parentPort } from "node:worker_threads";
import Database from "better-sqlite3";
import { isWeftError } from "../../core/errors.js";
import type { InstanceFilter } from "../store.js";
import { GroupCommit } from "./group-commit.js";
import { readOverviewHead, readOverviewSlice } from "./overview.js";
import {
  appliedReply,
  type Command,
  fromBatch,
  type Opened,
  type Outcome,
  type Reply,
  type Request,
} from "./protocol.js";
import { listInstancesQuery } from "./queries-list.js";
import { type LastRowIds, RowIds } from "./row-ids.js";
import { migrate } from "./schema.js";
import { prepareStatements, type Statements } from "./statements.js";
import { SqliteWriter } from "./writer.js";

/** Sent to the thread's parent port: open this store's database and serve it on `port`. */
export interface OpenRequest {
  path: string;
  port: MessagePort;
  /** Set to 1 once `Opened` is posted: the store's constructor waits on it. */
  opened: Int32Array;
  /** The shared counters of row-ids.ts. */
  rowIds: SharedArrayBuffer;
  maxWritesPerCommit?: number;
}

parentPort!.on("message", (request: OpenRequest) => {
  const { path, port, opened, maxWritesPerCommit } = request;
  const ids = new RowIds(request.rowIds);
  const announce = (message: Opened) => {
    port.postMessage(message);
    Atomics.store(opened, 0, 1);
    Atomics.notify(opened, 0);
  };
  let db: Database.Database | undefined;
  try {
    db = open(path, announce);
    if (!db) return;
    migrate(db);
    // This process holds the file exclusively: whoever claimed a relay cursor before is gone.
    db.exec("UPDATE event_cursors SET lease_until = 0");
    const sql = prepareStatements(db);
    ids.continueAfter(sql.lastRowIds.get() as LastRowIds);
    announce(readiness(sql));
    serve(db, sql, ids, port, maxWritesPerCommit);
  } catch (error) {
    // This thread may serve another store next: it must not keep the file (and its lock).
    db?.close();
    announce({
      ok: false,
      code: "unavailable",
      message: `could not open the database ${path}: ${(error as Error).message}`,
    });
  }
});

function open(path: string, announce: (message: Opened) => void): Database.Database | undefined {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    // One process owns the file: a second engine on it would break the in-memory leases.
    db.pragma("locking_mode = EXCLUSIVE");
  } catch (error) {
    db.close();
    throw error;
  }
  try {
    db.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch {
    db.close();
    announce({
      ok: false,
      code: "unavailable",
      message: `the database ${path} is in use by another process`,
    });
    return undefined;
  }
  return db;
}

function serve(
  db: Database.Database,
  sql: Statements,
  ids: RowIds,
  port: MessagePort,
  maxWritesPerCommit?: number,
): void {
  const writer = new SqliteWriter(db, sql, ids);
  let processed = 0;
  /** The newest lifecycle event known committed: readers never see past it (the open batch's rows are visible). */
  let committedEventSeq = lastEventSeq(sql);
  const post = (reply: Reply) => port.postMessage(reply);
  const commits = new GroupCommit(db, {
    maxWrites: maxWritesPerCommit,
    onCommit: () => {
      if (writer.wroteEvents) {
        writer.wroteEvents = false;
        committedEventSeq = lastEventSeq(sql);
      }
      post({ kind: "durable", upTo: processed, stats: { ...commits.stats } });
    },
    onFailure: (error) => post({ kind: "failed", message: (error as Error).message }),
  });
  const write = (fn: () => unknown, undoable = true): Outcome => {
    let value: unknown;
    const effects = commits.apply(() => writer.run(() => (value = fn())), undoable);
    return { value, effects };
  };

  const run = (command: Command): Outcome => {
    switch (command.op) {
      case "create":
        return write(() => writer.create(command.request, command.activities, command.lifecycle));
      case "event":
        return write(() => writer.event(command.instanceId, command.event, command.now, command.dedupKey));
      case "turn":
        // A turn's write cannot fail for a reason the engine expects: if it fails, the store stops.
        return write(() => writer.turn(command.turn), false);
      case "drop":
        return write(() => writer.drop(command.inboxIds, command.activityIds));
      case "countDispatch":
        return write(() => sql.countDispatch.run(command.rowId));
      case "purge":
        return write(() => writer.purge(command.instanceId, command.recursive));
      case "result":
        return write(() =>
          writer.result(command.rowId, command.instanceId, command.executionId, command.event),
        );
      case "readInbox":
        return { value: sql.visibleInbox.all(command.instanceId, command.now) };
      case "getInstance":
        return { value: sql.getInstance.get(command.instanceId) };
      case "loadHistory": {
        if (!sql.getStatus.get(command.instanceId)) return { value: undefined };
        const rows = sql.loadHistory.all(command.instanceId) as { events: string }[];
        return { value: rows.map((r) => r.events) };
      }
      case "getActivity":
        return { value: sql.getActivity.get(command.rowId) };
      case "list":
        return { value: list(db, command.filter) };
      case "overviewHead":
        return { value: readOverviewHead(db, command.query) };
      case "overviewSlice":
        return { value: readOverviewSlice(db, command.query, command.from, command.to) };
      case "countInstances":
        return { value: sql.countInstances.all() };
      case "readEvents":
        return { value: sql.readLifecycleEvents.all(command.after, committedEventSeq, command.limit) };
      case "eventsTail":
        return { value: committedEventSeq };
      case "claimCursor":
        return write(() => {
          const { name, owner, until, now } = command;
          const row = sql.claimCursor.get({ name, owner, until, now }) as
            | { position: string | null }
            | undefined;
          return row ? row.position : undefined;
        });
      case "saveCursor":
        return write(
          () => sql.saveCursor.run(command.position, command.until, command.name, command.owner).changes > 0,
        );
      case "pruneEvents":
        return write(() => sql.pruneLifecycleEvents.run(command.before).changes);
      case "appendEvent":
        return write(() => writer.appendEvent(command.row, command.onceKey));
    }
  };

  const outcomeOf = (command: Command): Outcome => {
    try {
      return run(command);
    } catch (error) {
      if (isWeftError(error)) return { error: { code: error.code, message: error.message } };
      return { error: { message: (error as Error).message, unexpected: true } };
    }
  };

  port.on("message", (request: Request) => {
    if (request.kind === "close") {
      if (!commits.failure) commits.commit();
      db.close();
      post({ kind: "closed" });
      port.close();
      return;
    }
    const outcomes = fromBatch(request).map(outcomeOf);
    processed += outcomes.length;
    post(appliedReply(outcomes));
    if (commits.open) commits.commitIfDue();
    else post({ kind: "durable", upTo: processed, stats: { ...commits.stats } });
  });
}

function list(db: Database.Database, filter: InstanceFilter): unknown[] {
  const { text, values } = listInstancesQuery(filter);
  return db.prepare(text).all(...values);
}

function lastEventSeq(sql: Statements): number {
  return (sql.lastLifecycleSeq.get() as { seq: number }).seq;
}

function readiness(sql: Statements): Opened {
  return {
    ok: true,
    inbox: sql.inboxReadiness.all() as { instance_id: string; visible_at: number; rows: number }[],
    activities: sql.activityReadiness.all() as { id: number; visible_at: number }[],
  };
}
