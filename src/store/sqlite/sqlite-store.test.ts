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

test("a start with an id Weft drew is leased at once, and survives a reopen once acknowledged", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-sqlite-"));
  dirs.push(dir);
  const path = join(dir, "weft.db");
  const instanceId = randomUUID();
  const request = { instanceId, name: "w", executionId: "e1", input: "7", newId: true, now: Date.now() };
  const store = new SqliteStore({ path });
  const acknowledged = store.createInstance(request);
  // No round trip to the writer thread first: the turn is there before the start is even written.
  const item = await store.nextWorkflowWorkItem(Date.now());
  expect(item?.instanceId).toBe(instanceId);
  expect(item?.newEvents.map((e) => e.type)).toEqual(["ExecutionStarted"]);
  await acknowledged;
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

describe("activity rows a turn schedules are written with its commit, not before", () => {
  const schedule = (id: number): WorkflowAction => ({
    type: "ScheduleTask",
    id,
    name: "act",
    input: String(id),
  });
  /** Completes a leased turn as the engine does, without waiting for it to be durable. */
  const complete = (store: SqliteStore, item: WorkflowWorkItem | undefined, actions: WorkflowAction[]) => {
    if (!item) throw new Error("expected a workflow work item");
    const now = Date.now();
    const events = [{ type: "WorkflowStarted" as const, eventId: -1, timestamp: now }, ...item.newEvents];
    const outcome = applyTurn(item.state, events, { actions }, { now, newExecutionId: randomUUID });
    return store.completeWorkflowWorkItem(item, outcome);
  };
  const result = (item: ActivityWorkItem | undefined) => {
    if (!item) throw new Error("expected an activity work item");
    const event = { type: "TaskCompleted" as const, eventId: -1, timestamp: Date.now(), result: "1" };
    return { item, event: { ...event, taskScheduledId: item.task.taskId } };
  };
  /**
   * Starts instance "a", completes its first turn scheduling two activities, runs one of them and leases the turn
   * its result makes ready; nothing waits for durability, so all of it shares one batch and one commit.
   */
  const oneOfTwoDone = async (store: SqliteStore) => {
    await store.createInstance({ instanceId: "a", name: "wf", executionId: "e1", now: Date.now() });
    const first = complete(store, await store.nextWorkflowWorkItem(Date.now()), [schedule(1), schedule(2)]);
    const done = result(await store.nextActivityWorkItem(Date.now()));
    await store.completeActivityWorkItem(done.item, done.event);
    return { first, done, next: await store.nextWorkflowWorkItem(Date.now()) };
  };
  const fileStore = () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-sqlite-"));
    dirs.push(dir);
    const path = join(dir, "weft.db");
    return { path, store: new SqliteStore({ path }) };
  };

  test("one consumed before the commit needs no row; one still open survives a reopen", async () => {
    const { path, store } = fileStore();
    const { first, done, next } = await oneOfTwoDone(store);
    const second = complete(store, next, []);
    await Promise.all([first, second]);
    await store.close();

    const reopened = new SqliteStore({ path });
    try {
      const open = await reopened.nextActivityWorkItem(Date.now());
      expect(open?.task).toMatchObject({ instanceId: "a", name: "act" });
      expect(open?.task.taskId).not.toBe(done.item.task.taskId);
      expect(await reopened.nextActivityWorkItem(Date.now())).toBeUndefined();
      const history = (await reopened.getHistory("a"))?.map((e) => e.type);
      expect(history?.filter((t) => t === "TaskCompleted")).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });

  test("an instance that ends in the same commit drops them, in memory and in the file", async () => {
    const { path, store } = fileStore();
    const { first, next } = await oneOfTwoDone(store);
    const finish: WorkflowAction = { type: "CompleteWorkflow", id: -1, status: "COMPLETED", result: '"x"' };
    const last = complete(store, next, [finish]);
    await Promise.all([first, last]);
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

  test("another kind of write in the same commit sees them: an abandon counts the delivery", async () => {
    const { store } = fileStore();
    try {
      await store.createInstance({ instanceId: "a", name: "wf", executionId: "e1", now: Date.now() });
      const first = complete(store, await store.nextWorkflowWorkItem(Date.now()), [schedule(1)]);
      const leased = await store.nextActivityWorkItem(Date.now());
      if (!leased) throw new Error("expected an activity work item");
      expect(leased.dispatchCount).toBe(1);
      await store.abandonActivityWorkItem(leased);
      await first;
      const again = await store.nextActivityWorkItem(Date.now());
      expect(again?.task.taskId).toBe(leased.task.taskId);
      expect(again?.dispatchCount).toBe(2);
    } finally {
      await store.close();
    }
  });
});
