import { describe, expect, test } from "vitest";
import type { CompleteWorkflow, WorkflowAction } from "../actions.js";
import type { HistoryEvent } from "../history.js";
import { WorkflowExecution } from "./execution.js";
import type { ActivityContext, Workflow, WorkflowContext } from "./types.js";

const T0 = Date.UTC(2026, 0, 1);
const started = (ts = T0): HistoryEvent => ({ type: "WorkflowStarted", eventId: -1, timestamp: ts });
const begin = (input?: unknown): HistoryEvent => ({
  type: "ExecutionStarted",
  eventId: -1,
  timestamp: T0,
  name: "wf",
  instanceId: "i1",
  executionId: "e1",
  input: input === undefined ? undefined : JSON.stringify(input),
});
const done = (id: number, result: unknown): HistoryEvent => ({
  type: "TaskCompleted",
  eventId: -1,
  timestamp: T0,
  taskScheduledId: id,
  result: JSON.stringify(result),
});
const scheduled = (id: number, name: string): HistoryEvent => ({
  type: "TaskScheduled",
  eventId: id,
  timestamp: T0,
  name,
});
const raised = (name: string, value: unknown): HistoryEvent => ({
  type: "EventRaised",
  eventId: -1,
  timestamp: T0,
  name,
  input: JSON.stringify(value),
});

function run(workflow: Workflow<never, unknown>) {
  return new WorkflowExecution(workflow, { instanceId: "i1" });
}
const completion = (actions: WorkflowAction[]) =>
  actions.find((a): a is CompleteWorkflow => a.type === "CompleteWorkflow");

const inc = (_: ActivityContext, n: number) => n + 1;

function* twoSteps(ctx: WorkflowContext, n: number) {
  const a = yield* ctx.callActivity(inc, n);
  const b = yield* ctx.callActivity(inc, a);
  return b;
}

describe("replay", () => {
  test("a generator schedules activities in order with ids from 1, and completes with the result", async () => {
    const exec = run(twoSteps);
    const t1 = await exec.execute([], [started(), begin(1)]);
    expect(t1.actions).toEqual([
      { type: "ScheduleTask", id: 1, name: "inc", input: "1", taskExecutionId: "e1:1" },
    ]);
    const t2 = await exec.execute([], [started(), done(1, 2)]);
    expect(t2.actions.map((a) => [a.type, a.id])).toEqual([["ScheduleTask", 2]]);
    const t3 = await exec.execute([], [started(), done(2, 3)]);
    expect(completion(t3.actions)).toMatchObject({ status: "COMPLETED", result: "3", id: 3 });
  });

  test("replaying full history gives the same next action as the live execution", async () => {
    const history = [started(), begin(1), scheduled(1, "inc"), started(), done(1, 2), scheduled(2, "inc")];
    const fresh = run(twoSteps);
    const result = await fresh.execute(history, [started(), done(2, 3)]);
    expect(completion(result.actions)).toMatchObject({ status: "COMPLETED", result: "3" });
  });

  test("isReplaying is true only while past events are processed", async () => {
    const seen: boolean[] = [];
    function* wf(ctx: WorkflowContext) {
      seen.push(ctx.isReplaying());
      yield ctx.callActivity("a");
      seen.push(ctx.isReplaying());
      return 0;
    }
    await run(wf).execute([started(), begin(), scheduled(1, "a")], [started(), done(1, null)]);
    expect(seen).toEqual([true, false]);
  });

  test("a different activity at a recorded step fails the workflow with a non-determinism error naming the step", async () => {
    function* changed(ctx: WorkflowContext) {
      yield ctx.callActivity("refund");
      return 1;
    }
    const result = await run(changed).execute(
      [started(), begin(), scheduled(1, "charge")],
      [started(), done(1, 0)],
    );
    const failed = completion(result.actions);
    expect(failed?.status).toBe("FAILED");
    expect(failed?.failure?.errorType).toBe("NonDeterminismError");
    expect(failed?.failure?.message).toContain("step #1");
    expect(failed?.failure?.message).toContain("callActivity('charge')");
    expect(failed?.failure?.message).toContain("callActivity('refund')");
  });

  test("a step missing from the code is detected too", async () => {
    function* shorter(_: WorkflowContext) {
      return 1;
    }
    const result = await run(shorter).execute([started(), begin(), scheduled(1, "a")], [started()]);
    expect(completion(result.actions)?.failure?.errorType).toBe("NonDeterminismError");
  });

  test("a plain function* completes with its return value (Dapr's SDK would say '{}')", async () => {
    function* noYield(_: WorkflowContext, n: number) {
      return { doubled: n * 2 };
    }
    const result = await run(noYield).execute([], [started(), begin(21)]);
    expect(completion(result.actions)).toMatchObject({ status: "COMPLETED", result: '{"doubled":42}' });
  });

  test("async function* and plain async functions work", async () => {
    async function* asyncGen(ctx: WorkflowContext) {
      await Promise.resolve();
      const x: number = yield ctx.callActivity("a");
      return x * 10;
    }
    const exec = run(asyncGen);
    expect((await exec.execute([], [started(), begin()])).actions[0]).toMatchObject({ type: "ScheduleTask" });
    expect(completion((await exec.execute([], [started(), done(1, 4)])).actions)?.result).toBe("40");
    const plain = async (_: WorkflowContext, s: string) => s.toUpperCase();
    expect(completion((await run(plain).execute([], [started(), begin("x")])).actions)?.result).toBe('"X"');
  });

  test("an uncaught activity failure fails the workflow with type, message and the activity's failure inside", async () => {
    const exec = run(twoSteps);
    await exec.execute([], [started(), begin(1)]);
    const failure = {
      errorType: "RangeError",
      message: "too big",
      stackTrace: "RangeError: too big\n  at x",
    };
    const result = await exec.execute(
      [],
      [started(), { type: "TaskFailed", eventId: -1, timestamp: T0, taskScheduledId: 1, failure }],
    );
    const failed = completion(result.actions)!;
    expect(failed.status).toBe("FAILED");
    expect(failed.failure?.errorType).toBe("TaskFailedError");
    expect(failed.failure?.message).toContain("too big");
    expect(failed.failure?.stackTrace).toBeTruthy();
  });

  test("external events are buffered until awaited and matched case-insensitively", async () => {
    function* wf(ctx: WorkflowContext) {
      yield ctx.createTimer(1);
      const a = yield* ctx.waitForExternalEvent<string>("Approval");
      return a;
    }
    const exec = run(wf);
    const t1 = await exec.execute([], [started(), begin(), raised("APPROVAL", "yes")]);
    expect(t1.actions).toEqual([{ type: "CreateTimer", id: 1, fireAt: T0 + 1000 }]);
    const t2 = await exec.execute(
      [],
      [started(T0 + 1000), { type: "TimerFired", eventId: -1, timestamp: T0, timerId: 1, fireAt: T0 + 1000 }],
    );
    expect(completion(t2.actions)?.result).toBe('"yes"');
  });

  test("waitForExternalEvent with a timeout fails with TaskTimeoutError when the timer wins", async () => {
    function* wf(ctx: WorkflowContext) {
      try {
        yield ctx.waitForExternalEvent("go", 5);
        return "event";
      } catch (error) {
        return (error as Error).name;
      }
    }
    const exec = run(wf);
    const t1 = await exec.execute([], [started(), begin()]);
    expect(t1.actions).toEqual([{ type: "CreateTimer", id: 1, fireAt: T0 + 5000 }]);
    const t2 = await exec.execute(
      [],
      [started(), { type: "TimerFired", eventId: -1, timestamp: T0, timerId: 1, fireAt: T0 }],
    );
    expect(completion(t2.actions)?.result).toBe('"TaskTimeoutError"');
  });

  test("whenAll returns results in order; whenAny returns the winning task", async () => {
    function* wf(ctx: WorkflowContext) {
      const all = yield* ctx.whenAll([ctx.callActivity(inc, 1), ctx.callActivity(inc, 2)]);
      const a = ctx.callActivity("slow");
      const b = ctx.callActivity("fast");
      const winner = yield* ctx.whenAny([a, b]);
      return [all, winner === b];
    }
    const exec = run(wf);
    expect((await exec.execute([], [started(), begin()])).actions.map((a) => a.id)).toEqual([1, 2]);
    expect((await exec.execute([], [started(), done(2, 3), done(1, 2)])).actions.map((a) => a.id)).toEqual([
      3, 4,
    ]);
    expect(completion((await exec.execute([], [started(), done(4, "f")])).actions)?.result).toBe(
      "[[2,3],true]",
    );
  });

  test("continueAsNew carries unconsumed events when asked", async () => {
    function* wf(ctx: WorkflowContext, n: number) {
      ctx.continueAsNew(n + 1, true);
    }
    const result = await run(wf).execute([], [started(), begin(1), raised("x", 1)]);
    const can = completion(result.actions)!;
    expect(can.status).toBe("CONTINUED_AS_NEW");
    expect(can.result).toBe("2");
    expect(can.carryoverEvents?.map((e) => e.name)).toEqual(["x"]);
  });

  test("events while suspended are held until resume", async () => {
    function* wf(ctx: WorkflowContext) {
      return yield* ctx.waitForExternalEvent("e");
    }
    const exec = run(wf);
    await exec.execute([], [started(), begin()]);
    const t2 = await exec.execute(
      [],
      [started(), { type: "ExecutionSuspended", eventId: -1, timestamp: T0 }, raised("e", 1)],
    );
    expect(t2.actions).toEqual([]);
    const t3 = await exec.execute([], [started(), { type: "ExecutionResumed", eventId: -1, timestamp: T0 }]);
    expect(completion(t3.actions)?.result).toBe("1");
  });

  test("retry policy waits with backoff timers and keeps one task execution id", async () => {
    function* wf(ctx: WorkflowContext) {
      return yield* ctx.callActivity("flaky", undefined, {
        retryPolicy: { maxNumberOfAttempts: 3, firstRetryIntervalInMilliseconds: 100, backoffCoefficient: 2 },
      });
    }
    const failure = { errorType: "Error", message: "boom" };
    const fail = (id: number): HistoryEvent => ({
      type: "TaskFailed",
      eventId: -1,
      timestamp: T0,
      taskScheduledId: id,
      failure,
    });
    const fired = (id: number, at: number): HistoryEvent => ({
      type: "TimerFired",
      eventId: -1,
      timestamp: at,
      timerId: id,
      fireAt: at,
    });
    const exec = run(wf);
    const t1 = await exec.execute([], [started(), begin()]);
    expect(t1.actions).toMatchObject([{ type: "ScheduleTask", id: 1, taskExecutionId: "e1:1" }]);
    expect((await exec.execute([], [started(), fail(1)])).actions).toEqual([
      { type: "CreateTimer", id: 2, fireAt: T0 + 100 },
    ]);
    expect((await exec.execute([], [started(T0 + 100), fired(2, T0 + 100)])).actions).toMatchObject([
      { type: "ScheduleTask", id: 3, taskExecutionId: "e1:1" },
    ]);
    expect((await exec.execute([], [started(T0 + 100), fail(3)])).actions).toEqual([
      { type: "CreateTimer", id: 4, fireAt: T0 + 300 },
    ]);
    await exec.execute([], [started(T0 + 300), fired(4, T0 + 300)]);
    const last = await exec.execute([], [started(T0 + 300), fail(5)]);
    expect(completion(last.actions)).toMatchObject({ status: "FAILED" });
  });

  test("isPatched is true live, recorded in the turn, and false when replaying a turn that did not see it", async () => {
    function* wf(ctx: WorkflowContext) {
      yield ctx.callActivity("a");
      return ctx.isPatched("v2") ? "new" : "old";
    }
    const live = await run(wf).execute([started(), begin(), scheduled(1, "a")], [started(), done(1, 0)]);
    expect(live.patches).toEqual(["v2"]);
    expect(completion(live.actions)?.result).toBe('"new"');
    const replayOld = await run(wf).execute(
      [started(), begin(), scheduled(1, "a"), started(), done(1, 0)],
      [started()],
    );
    expect(completion(replayOld.actions)?.result).toBe('"old"');
  });

  test("custom status is reported only when set", async () => {
    function* wf(ctx: WorkflowContext) {
      ctx.setCustomStatus({ stage: "waiting" });
      yield ctx.waitForExternalEvent("go");
    }
    const exec = run(wf);
    expect((await exec.execute([], [started(), begin()])).customStatus).toBe('{"stage":"waiting"}');
    expect((await exec.execute([], [started(), raised("other", 1)])).customStatus).toBeUndefined();
  });

  test("child workflows get Durable Task's default ids", async () => {
    function* wf(ctx: WorkflowContext) {
      yield ctx.callChildWorkflow("child", 1);
      yield ctx.callChildWorkflow("child", 2, "explicit");
    }
    const exec = run(wf);
    expect((await exec.execute([], [started(), begin()])).actions).toMatchObject([{ instanceId: "i1:0001" }]);
    const next = await exec.execute(
      [],
      [started(), { type: "ChildWorkflowInstanceCompleted", eventId: -1, timestamp: T0, taskScheduledId: 1 }],
    );
    expect(next.actions).toMatchObject([{ instanceId: "explicit", id: 2 }]);
  });

  test("yielding something that is not a task fails clearly", async () => {
    function* wf(_: WorkflowContext) {
      yield Promise.resolve(1);
    }
    const result = await run(wf).execute([], [started(), begin()]);
    expect(completion(result.actions)?.failure?.message).toContain("only yield tasks");
  });
});
