import Database from "better-sqlite3";
import { afterEach, expect, test } from "vitest";
import { GroupCommit } from "./group-commit.js";

let db: Database.Database;
afterEach(() => db?.close());

function open(options: { maxWrites?: number } = {}) {
  db = new Database(":memory:");
  db.exec("CREATE TABLE t (v TEXT UNIQUE)");
  const statement = db.prepare("INSERT INTO t (v) VALUES (?)");
  return {
    commits: new GroupCommit(db, options),
    insert: (v: string) => () => {
      statement.run(v);
    },
    rows: () => (db.prepare("SELECT v FROM t ORDER BY v").all() as { v: string }[]).map((r) => r.v),
  };
}

test("writes of one turn of the event loop share one COMMIT, and are acknowledged after it", async () => {
  const { commits, insert, rows } = open();
  const acknowledged: string[] = [];
  const writes = ["a", "b", "c"].map((v) => commits.write(insert(v)).then(() => acknowledged.push(v)));
  expect(db.inTransaction).toBe(true);
  expect(rows()).toEqual(["a", "b", "c"]);
  await Promise.resolve();
  expect(acknowledged).toEqual([]);
  await Promise.all(writes);
  expect(db.inTransaction).toBe(false);
  expect(commits.stats).toEqual({ commits: 1, writes: 3 });
});

test("a failing write undoes only itself", async () => {
  const { commits, insert, rows } = open();
  const good = commits.write(insert("a"));
  const bad = commits.write(() => {
    insert("b")();
    insert("a")();
  });
  await expect(bad).rejects.toThrow(/UNIQUE/);
  await good;
  expect(rows()).toEqual(["a"]);
});

test("a full batch commits at once, without waiting for the event loop", async () => {
  const { commits, insert } = open({ maxWrites: 2 });
  void commits.write(insert("a"));
  expect(db.inTransaction).toBe(true);
  await Promise.all([commits.write(insert("b"))]);
  expect(commits.stats.commits).toBe(1);
});

test("afterCommit and durable() wait for the open batch, and run at once when nothing is pending", async () => {
  const { commits, insert } = open();
  const seen: string[] = [];
  commits.afterCommit(() => seen.push("idle"));
  expect(seen).toEqual(["idle"]);
  void commits.write(insert("a"));
  commits.afterCommit(() => seen.push("after"));
  const durable = commits.durable().then(() => seen.push("durable"));
  expect(seen).toEqual(["idle"]);
  await durable;
  expect(seen).toEqual(["idle", "after", "durable"]);
});
