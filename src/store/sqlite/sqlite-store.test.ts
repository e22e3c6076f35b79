import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import type { WorkflowAction } from "../../core/actions.js";
import { applyTurn } from "../../core/apply.js";
import { WeftError } from "../../core/errors.js";
import { type ActivityContext, WorkflowClient, type WorkflowContext, WorkflowRuntime } from "../../index.js";
import type { ActivityWorkItem, WorkflowWorkItem } from "../store.js";
import { SqliteStore } from "./sqlite-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const double = (_: ActivityContext, n: number) => n * 2;
function* waiter(ctx: WorkflowContext, n: number) {
  const e = yield* ctx.waitForExternalEvent<number>("go");
  return yield* ctx.callActivity(double, n + e);
}

test("more waiting instances than the row cache holds: each is read back (in batches) and completes", async () => {
  const store = new SqliteStore({ path: ":memory:", stateCacheSize: 4 });
  const runtime = new WorkflowRuntime({ store }).registerWorkflow(waiter).registerActivity(double);
  await runtime.start();
  const client = new WorkflowClient(runtime);
  try {
    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client.scheduleNewWorkflow(waiter, i)),
    );
    await Promise.all(ids.map((id) => runtime.service.waitForStatus(id, ["RUNNING"], 10_000)));
    await Promise.all(ids.map((id) => client.raiseEvent(id, "go", 1)));
    const states = await Promise.all(ids.map((id) => client.waitForWorkflowCompletion(id, true, 10)));
    expect(states.map((s) => s?.runtimeStatus)).toEqual(ids.map(() => "COMPLETED"));
    expect(states.map((s) => s?.output)).toEqual(ids.map((_, i) => (i + 1) * 2));
  } finally {
    await runtime.stop();
    await store.close();
  }
});

test("a second store on the same file is refused while the first has it open", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-sqlite-"));
  dirs.push(dir);
  const first = new SqliteStore({ path: join(dir, "weft.db") });
  try {
    expect(() => new SqliteStore({ path: join(dir, "weft.db") })).toThrow(WeftError);
  } finally {
    await first.close();
  }
  const again = new SqliteStore({ path: join(dir, "weft.db") });
  await again.close();
});

test("after close, writes and leases are refused with unavailable", async () => {
  const store = new SqliteStore({ path: ":memory:" });
  await store.close();
  await expect(store.nextWorkflowWorkItem(Date.now())).rejects.toMatchObject({ code: "unavailable" });
  await expect(
    store.createInstance({ instanceId: "x", name: "w", executionId: "e", now: Date.now() }),
  ).rejects.toMatchObject({ code: "unavailable" });
});

test("a file that is not a database is refused with unavailable; the next store opens as usual", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-sqlite-"));
  dirs.push(dir);
  writeFileSync(join(dir, "garbage.db"), "this is not a database ".repeat(200));
  const refusal = (() => {
    try {
      new SqliteStore({ path: join(dir, "garbage.db") });
    } catch (error) {
      return error;
    }
  })();
  expect(refusal).toMatchObject({ code: "unavailable", message: expect.stringMatching(/not a database/) });
  const store = new SqliteStore({ path: join(dir, "weft.db") });
  await store.createInstance({ instanceId: "a", name: "w", executionId: "e", now: Date.now() });
  expect((await store.getInstance("a"))?.status).toBe("PENDING");
  await store.close();
});

describe("nothing a write adds is leased before the write is durable", () => {
  const schedule = (id: number): WorkflowAction => ({
    type: "ScheduleTask",
    id,
    name: "act",
    input: String(id),
  });
  /** Completes a leased turn as the engine does; the promise settles once the turn is durable. */
  const complete = (store: SqliteStore, item: WorkflowWorkItem | undefined, actions: WorkflowAction[]) => {
    if (!item) throw new Error("expected a workflow work item");
    const now = Date.now();
    const events = [{ type: "WorkflowStarted" as const, eventId: -1, timestamp: now }, ...item.newEvents];
    const outcome = applyTurn(item.state, events, { actions }, { now, newExecutionId: randomUUID });
    return store.completeWorkflowWorkItem(item, outcome);
  };
  const completed = (item: ActivityWorkItem) => ({
    type: "TaskCompleted" as const,
    eventId: -1,
    timestamp: Date.now(),
    taskScheduledId: item.task.taskId,
    result: "1",
  });
  const fileStore = () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-sqlite-"));
    dirs.push(dir);
    const path = join(dir, "weft.db");
    return { path, store: new SqliteStore({ path }) };
  };

  test("a start is leased only once acknowledged, and then survives a reopen", async () => {
    const { path, store } = fileStore();
    const instanceId = randomUUID();
    const request = { instanceId, name: "w", executionId: "e1", input: "7", now: Date.now() };
    const acknowledged = store.createInstance(request);
    expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    await acknowledged;
    const item = await store.nextWorkflowWorkItem(Date.now());
    expect(item?.newEvents.map((e) => e.type)).toEqual(["ExecutionStarted"]);
    await store.close();
    const reopened = new SqliteStore({ path });
    try {
      expect((await reopened.getInstance(instanceId))?.status).toBe("PENDING");
      const again = await reopened.nextWorkflowWorkItem(Date.now());
      expect(again?.newEvents).toMatchObject([{ type: "ExecutionStarted", input: "7" }]);
      // Ids given after a reopen continue after the ones in the file.
      await reopened.createInstance({ ...request, instanceId: randomUUID(), now: Date.now() });
      expect((await reopened.listInstances({})).length).toBe(2);
    } finally {
      await reopened.close();
    }
  });

  test("a turn's activities are leased only once the turn is durable", async () => {
    const { store } = fileStore();
    try {
      await store.createInstance({ instanceId: "a", name: "wf", executionId: "e1", now: Date.now() });
      const turn = complete(store, await store.nextWorkflowWorkItem(Date.now()), [schedule(1)]);
      expect(await store.nextActivityWorkItem(Date.now())).toBeUndefined();
      await turn;
      const leased = await store.nextActivityWorkItem(Date.now());
      expect(leased?.task).toMatchObject({ instanceId: "a", name: "act", input: "1" });
    } finally {
      await store.close();
    }
  });

  test("a result reaches a turn only once durable, and a reopen neither loses it nor runs its activity again", async () => {
    const { path, store } = fileStore();
    await store.createInstance({ instanceId: "a", name: "wf", executionId: "e1", now: Date.now() });
    await complete(store, await store.nextWorkflowWorkItem(Date.now()), [schedule(1), schedule(2)]);
    const done = await store.nextActivityWorkItem(Date.now());
    if (!done) throw new Error("expected an activity work item");
    const recorded = store.completeActivityWorkItem(done, completed(done));
    expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    await recorded;
    const next = await store.nextWorkflowWorkItem(Date.now());
    expect(next?.newEvents).toMatchObject([{ type: "TaskCompleted", taskScheduledId: done.task.taskId }]);
    await store.close();

    const reopened = new SqliteStore({ path });
    try {
      const open = await reopened.nextActivityWorkItem(Date.now());
      expect(open?.task.taskId).not.toBe(done.task.taskId);
      expect(await reopened.nextActivityWorkItem(Date.now())).toBeUndefined();
      const turn = await reopened.nextWorkflowWorkItem(Date.now());
      expect(turn?.newEvents).toMatchObject([{ type: "TaskCompleted", taskScheduledId: done.task.taskId }]);
    } finally {
      await reopened.close();
    }
  });

  test("an instance that ends drops its open activities, in memory and in the file", async () => {
    const { path, store } = fileStore();
    await store.createInstance({ instanceId: "a", name: "wf", executionId: "e1", now: Date.now() });
    await complete(store, await store.nextWorkflowWorkItem(Date.now()), [schedule(1), schedule(2)]);
    const done = await store.nextActivityWorkItem(Date.now());
    if (!done) throw new Error("expected an activity work item");
    await store.completeActivityWorkItem(done, completed(done));
    const finish: WorkflowAction = { type: "CompleteWorkflow", id: -1, status: "COMPLETED", result: '"x"' };
    await complete(store, await store.nextWorkflowWorkItem(Date.now()), [finish]);
    expect(await store.nextActivityWorkItem(Date.now())).toBeUndefined();
    await store.close();

    const reopened = new SqliteStore({ path });
    try {
      expect(await reopened.nextActivityWorkItem(Date.now())).toBeUndefined();
      expect((await reopened.getInstance("a"))?.status).toBe("COMPLETED");
    } finally {
      await reopened.close();
    }
  });
});
