import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, expect, test } from "vitest";
import type { ActivityContext, WorkflowContext } from "../../index.js";
import { WorkflowRuntime } from "../../index.js";
import { migrate } from "./schema.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const double = (_: ActivityContext, n: number) => n * 2;
function* twice(ctx: WorkflowContext, n: number) {
  const a = yield* ctx.callActivity(double, n);
  return yield* ctx.callActivity(double, a);
}

/**
 * A database written before the instance-number keys (schema version 2), holding one instance in the middle of
 * its first activity, one whose start is still in the inbox, and one that completed.
 */
function versionTwoDatabase(path: string): void {
  const db = new Database(path);
  migrate(db, 2);
  const t = 1_700_000_000_000;
  const insertInstance = db.prepare(
    "INSERT INTO instances (instance_id, name, execution_id, status, created_at, updated_at, completed_at, input, output, history_length) VALUES (?, 'twice', ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const history = (id: string, exec: string, input: string) => [
    { type: "WorkflowStarted", eventId: -1, timestamp: t },
    {
      type: "ExecutionStarted",
      eventId: -1,
      timestamp: t,
      name: "twice",
      instanceId: id,
      executionId: exec,
      input,
    },
    { type: "TaskScheduled", eventId: 1, timestamp: t, name: "double", input, taskExecutionId: `${exec}:1` },
  ];
  insertInstance.run("running", "exec-r", "RUNNING", t, t, null, "3", null, 3);
  db.prepare("INSERT INTO history (instance_id, seq, events) VALUES (?, 0, ?)").run(
    "running",
    JSON.stringify(history("running", "exec-r", "3")),
  );
  db.prepare(
    "INSERT INTO activities (instance_id, execution_id, task_id, name, input, task_execution_id, visible_at) VALUES ('running', 'exec-r', 1, 'double', '3', 'exec-r:1', ?)",
  ).run(t);
  insertInstance.run("pending", "exec-p", "PENDING", t, t, null, "5", null, 0);
  db.prepare(`UPDATE instances SET metadata = '{"team":"ops"}' WHERE instance_id = 'pending'`).run();
  db.prepare(
    "INSERT INTO inbox (instance_id, execution_id, visible_at, event) VALUES ('pending', NULL, ?, ?)",
  ).run(
    t,
    JSON.stringify({
      type: "ExecutionStarted",
      eventId: -1,
      timestamp: t,
      name: "twice",
      instanceId: "pending",
      executionId: "exec-p",
      input: "5",
    }),
  );
  insertInstance.run("done", "exec-d", "COMPLETED", t, t, t, "1", "4", 9);
  const done = [
    ...history("done", "exec-d", "1"),
    { type: "WorkflowStarted", eventId: -1, timestamp: t },
    { type: "TaskCompleted", eventId: -1, timestamp: t, taskScheduledId: 1, result: "2" },
    {
      type: "TaskScheduled",
      eventId: 2,
      timestamp: t,
      name: "double",
      input: "2",
      taskExecutionId: "exec-d:2",
    },
    { type: "WorkflowStarted", eventId: -1, timestamp: t },
    { type: "TaskCompleted", eventId: -1, timestamp: t, taskScheduledId: 2, result: "4" },
    { type: "ExecutionCompleted", eventId: 3, timestamp: t, status: "COMPLETED", result: "4" },
  ];
  db.prepare("INSERT INTO history (instance_id, seq, events) VALUES ('done', 0, ?)").run(
    JSON.stringify(done),
  );
  db.close();
}

test("a version-2 database is migrated on open and its workflows carry on where they were", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-migrate-"));
  dirs.push(dir);
  const path = join(dir, "weft.db");
  versionTwoDatabase(path);

  const runtime = new WorkflowRuntime({ databasePath: path });
  runtime.registerWorkflow(twice).registerActivity(double);
  await runtime.start();
  try {
    const running = await runtime.service.waitForCompletion("running", 10_000);
    const pending = await runtime.service.waitForCompletion("pending", 10_000);
    expect([running.status, running.output, running.failure]).toEqual(["COMPLETED", "12", undefined]);
    expect([pending.status, pending.output]).toEqual(["COMPLETED", "20"]);
    const history = (await runtime.service.history("running"))!;
    expect(history.filter((e) => e.type === "TaskScheduled")).toHaveLength(2);
    expect(history.filter((e) => e.type === "TaskCompleted")).toHaveLength(2);
    expect((await runtime.service.history("done"))!.map((e) => e.type)).toContain("ExecutionCompleted");
    const byTeam = await runtime.service.list({ metadata: { team: "ops" } });
    expect(byTeam.map((s) => s.instanceId)).toEqual(["pending"]);
    expect(await runtime.service.purge("done", false)).toBe(1);
    expect(await runtime.service.history("done")).toBeUndefined();
  } finally {
    await runtime.stop();
  }

  const db = new Database(path, { readonly: true });
  const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
  expect(versions).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
  const orphans = db
    .prepare(
      "SELECT (SELECT count(*) FROM history WHERE instance_no NOT IN (SELECT instance_no FROM instances)) + " +
        "(SELECT count(*) FROM activities WHERE instance_no NOT IN (SELECT instance_no FROM instances)) AS n",
    )
    .get() as { n: number };
  expect(orphans.n).toBe(0);
  db.close();
});
