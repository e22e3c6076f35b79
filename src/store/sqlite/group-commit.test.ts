import Database from "better-sqlite3";
import { afterEach, expect, test } from "vitest";
import { GroupCommit } from "./group-commit.js";

let db: Database.Database;
afterEach(() => db?.close());

function open(options: { maxWrites?: number } = {}) {
  db = new Database(":memory:");
  db.exec("CREATE TABLE t (v TEXT UNIQUE)");
  const statement = db.prepare("INSERT INTO t (v) VALUES (?)");
  let commits = 0;
  return {
    group: new GroupCommit(db, { ...options, onCommit: () => commits++ }),
    commits: () => commits,
    insert: (v: string) => () => {
      statement.run(v);
    },
    rows: () => (db.prepare("SELECT v FROM t ORDER BY v").all() as { v: string }[]).map((r) => r.v),
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test("writes of one turn of the event loop share one COMMIT, reported after it", async () => {
  const { group, commits, insert, rows } = open();
  for (const v of ["a", "b", "c"]) group.apply(insert(v));
  expect(db.inTransaction).toBe(true);
  expect(rows()).toEqual(["a", "b", "c"]);
  await Promise.resolve();
  expect(commits()).toBe(0);
  await nextTurn();
  expect(db.inTransaction).toBe(false);
  expect(commits()).toBe(1);
  expect(group.stats).toEqual({ commits: 1, writes: 3 });
});

test("a failing write undoes only itself", async () => {
  const { group, insert, rows } = open();
  group.apply(insert("a"));
  expect(() =>
    group.apply(() => {
      insert("b")();
      insert("a")();
    }),
  ).toThrow(/UNIQUE/);
  await nextTurn();
  expect(rows()).toEqual(["a"]);
  expect(group.stats).toEqual({ commits: 1, writes: 1 });
});

test("a full batch commits when the caller asks, without waiting for the event loop", () => {
  const { group, commits, insert } = open({ maxWrites: 2 });
  group.apply(insert("a"));
  group.commitIfDue();
  expect(db.inTransaction).toBe(true);
  group.apply(insert("b"));
  group.commitIfDue();
  expect(db.inTransaction).toBe(false);
  expect(commits()).toBe(1);
});

test("a write run without a savepoint that fails rolls back the whole batch and stops the group commit", async () => {
  db = new Database(":memory:");
  db.exec("CREATE TABLE t (v TEXT UNIQUE)");
  const statement = db.prepare("INSERT INTO t (v) VALUES (?)");
  const failures: unknown[] = [];
  const group = new GroupCommit(db, { onFailure: (error) => failures.push(error) });
  group.apply(() => statement.run("a"));
  expect(() =>
    group.apply(() => {
      statement.run("b");
      statement.run("a");
    }, false),
  ).toThrow(/UNIQUE/);
  expect(failures).toHaveLength(1);
  expect(db.inTransaction).toBe(false);
  expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });
  expect(() => group.apply(() => statement.run("c"))).toThrow(/UNIQUE/);
  await nextTurn();
  expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });
  expect(group.stats.commits).toBe(0);
});
