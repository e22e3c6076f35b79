import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { type Flush, GroupCommit } from "./group-commit.js";

/** A flush the test finishes by hand, so it can look at what is acknowledged in between. */
function manualFlush() {
  const pending: Array<(error: Error | null) => void> = [];
  const flush: Flush = (done) => {
    pending.push(done);
  };
  return {
    flush,
    get inFlight() {
      return pending.length;
    },
    finish(error: Error | null = null) {
      pending.shift()!(error);
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

let db: Database.Database;
afterEach(() => db?.close());

function open(flush?: Flush): {
  commits: GroupCommit;
  insert: (v: string) => () => void;
  rows: () => string[];
} {
  db = new Database(":memory:");
  db.exec("CREATE TABLE t (v TEXT UNIQUE)");
  const statement = db.prepare("INSERT INTO t (v) VALUES (?)");
  return {
    commits: new GroupCommit(db, { flush }),
    insert: (v) => () => {
      statement.run(v);
    },
    rows: () => (db.prepare("SELECT v FROM t ORDER BY v").all() as { v: string }[]).map((r) => r.v),
  };
}

describe("GroupCommit with a flush", () => {
  test("a write is acknowledged only once the flush after its COMMIT has finished", async () => {
    const disk = manualFlush();
    const { commits, insert } = open(disk.flush);
    let acknowledged = false;
    const write = commits.write(insert("a")).then(() => {
      acknowledged = true;
    });
    await tick();
    expect(commits.stats.commits).toBe(1);
    expect(disk.inFlight).toBe(1);
    expect(acknowledged).toBe(false);
    disk.finish();
    await write;
    expect(acknowledged).toBe(true);
  });

  test("commits made while a flush runs share the next flush", async () => {
    const disk = manualFlush();
    const { commits, insert, rows } = open(disk.flush);
    const first = commits.write(insert("a"));
    await tick();
    const second = commits.write(insert("b"));
    await tick();
    const third = commits.write(insert("c"));
    await tick();
    expect(commits.stats.commits).toBe(3);
    expect(disk.inFlight).toBe(1);
    disk.finish();
    await first;
    expect(disk.inFlight).toBe(1);
    disk.finish();
    await Promise.all([second, third]);
    expect(rows()).toEqual(["a", "b", "c"]);
  });

  test("durable() and afterCommit wait for the flush in flight", async () => {
    const disk = manualFlush();
    const { commits, insert } = open(disk.flush);
    void commits.write(insert("a"));
    const seen: string[] = [];
    commits.afterCommit(() => seen.push("after-open"));
    await tick();
    commits.afterCommit(() => seen.push("after-flushing"));
    const durable = commits.durable().then(() => seen.push("durable"));
    expect(seen).toEqual([]);
    disk.finish();
    await durable;
    expect(seen).toEqual(["after-open", "after-flushing", "durable"]);
    commits.afterCommit(() => seen.push("idle"));
    expect(seen.at(-1)).toBe("idle");
  });

  test("a failed flush stops the store: its waiters, later waiters and later writes are rejected", async () => {
    const disk = manualFlush();
    const { commits, insert } = open(disk.flush);
    const flushed = commits.write(insert("a"));
    await tick();
    const open2 = commits.write(insert("b"));
    disk.finish(new Error("EIO"));
    await expect(flushed).rejects.toThrow("EIO");
    await expect(open2).rejects.toThrow("EIO");
    await expect(commits.write(insert("c"))).rejects.toThrow("EIO");
    await expect(commits.durable()).rejects.toThrow("EIO");
    expect(commits.failure).toBeInstanceOf(Error);
    await tick();
    expect(db.inTransaction).toBe(false);
  });

  test("a failing write undoes only itself", async () => {
    const disk = manualFlush();
    const { commits, insert, rows } = open(disk.flush);
    const good = commits.write(insert("a"));
    const bad = commits.write(insert("a"));
    await expect(bad).rejects.toThrow(/UNIQUE/);
    await tick();
    disk.finish();
    await good;
    expect(rows()).toEqual(["a"]);
  });
});

test("without a flush, a write is acknowledged when COMMIT returns", async () => {
  const { commits, insert, rows } = open();
  await commits.write(insert("a"));
  expect(commits.stats.commits).toBe(1);
  expect(rows()).toEqual(["a"]);
});
