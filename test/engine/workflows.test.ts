import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ActivityContext, WorkflowContext, WorkflowRuntime } from "../../src/index.js";
import { type Harness, startHarness, storeFactories } from "./harness.js";

const attempts = new Map<string, number>();
const executionIds = new Map<string, Set<string>>();

const add = (_: ActivityContext, [a, b]: [number, number]) => a + b;
const greet = async (_: ActivityContext, name: string) => `hello ${name}`;
function flaky(ctx: ActivityContext, failTimes: number): string {
  const key = ctx.getTaskExecutionId();
  const n = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, n);
  const ids = executionIds.get(ctx.getWorkflowInstanceId()) ?? new Set<string>();
  ids.add(key);
  executionIds.set(ctx.getWorkflowInstanceId(), ids);
  if (n <= failTimes) throw new RangeError(`attempt ${n} failed`);
  return `ok after ${n}`;
}
class PaymentDeclined extends Error {}
const decline = (_: ActivityContext, reason: string) => {
  throw new PaymentDeclined(reason);
};

function* sequence(ctx: WorkflowContext, n: number) {
  let total = 0;
  for (let i = 1; i <= n; i++) total = yield* ctx.callActivity(add, [total, i]);
  return total;
}
async function* greeter(ctx: WorkflowContext, names: string[]) {
  const out: string[] = [];
  for (const name of names) out.push(yield* ctx.callActivity(greet, name));
  return out;
}
function* fanOut(ctx: WorkflowContext, n: number) {
  const tasks = Array.from({ length: n }, (_, i) => ctx.callActivity(add, [i, 1] as [number, number]));
  const results = yield* ctx.whenAll(tasks);
  return results.reduce((a, b) => a + b, 0);
}
function* child(ctx: WorkflowContext, n: number) {
  if (n < 0) throw new Error("negative child input");
  return (yield* ctx.callActivity(add, [n, 100])) as number;
}
function* parent(ctx: WorkflowContext, n: number) {
  const a = yield* ctx.callChildWorkflow(child, n);
  const b = yield* ctx.callChildWorkflow(child, a, `${ctx.getWorkflowInstanceId()}-named`);
  try {
    yield* ctx.callChildWorkflow(child, -1);
    return "unreachable";
  } catch (error) {
    return { a, b, caught: (error as Error).message };
  }
}
function* timers(ctx: WorkflowContext) {
  const t0 = ctx.getCurrentUtcDateTime().getTime();
  yield ctx.createTimer(0.2);
  yield ctx.createTimer(new Date(t0 + 300));
  return ctx.getCurrentUtcDateTime().getTime() - t0;
}
function* approval(ctx: WorkflowContext, timeoutSeconds: number) {
  ctx.setCustomStatus("waiting for approval");
  const decision = ctx.waitForExternalEvent<{ approved: boolean }>("Approval");
  const timeout = ctx.createTimer(timeoutSeconds);
  const winner = yield* ctx.whenAny<unknown>([decision, timeout]);
  ctx.setCustomStatus("decided");
  if (winner === timeout) return "timed out";
  return decision.getResult().approved ? "approved" : "rejected";
}
function* threeEvents(ctx: WorkflowContext) {
  const a = yield* ctx.waitForExternalEvent<string>("a");
  const b = yield* ctx.waitForExternalEvent<string>("B");
  const c = yield* ctx.waitForExternalEvent<string>("c", 10);
  return [a, b, c].join("");
}
function* counter(ctx: WorkflowContext, n: number) {
  if (n >= 3) {
    const carried = yield* ctx.waitForExternalEvent<string>("carry");
    return { n, carried };
  }
  yield ctx.createTimer(0);
  ctx.continueAsNew(n + 1, true);
}
function* retrying(ctx: WorkflowContext, failTimes: number) {
  return yield* ctx.callActivity(flaky, failTimes, {
    retryPolicy: { maxNumberOfAttempts: 4, firstRetryIntervalInMilliseconds: 10, backoffCoefficient: 2 },
  });
}
function* notRetried(ctx: WorkflowContext) {
  return yield* ctx.callActivity(flaky, 5, {
    retryPolicy: {
      maxNumberOfAttempts: 5,
      firstRetryIntervalInMilliseconds: 10,
      handle: (f) => f.errorType !== "RangeError",
    },
  });
}
let childAttempts = 0;
const countAttempt = () => ++childAttempts;
function* flakyChild(ctx: WorkflowContext) {
  const attempt = yield* ctx.callActivity(countAttempt);
  if (attempt < 3) throw new Error(`child attempt ${attempt} failed`);
  return attempt;
}
function* retriesChild(ctx: WorkflowContext) {
  return yield* ctx.callChildWorkflow(flakyChild, undefined, {
    retryPolicy: { maxNumberOfAttempts: 5, firstRetryIntervalInMilliseconds: 10 },
  });
}
function* declined(ctx: WorkflowContext) {
  yield ctx.callActivity(decline, "card expired");
}
function* callsMissing(ctx: WorkflowContext) {
  yield ctx.callActivity("doesNotExist");
}

function register(runtime: WorkflowRuntime) {
  runtime
    .registerWorkflow(sequence)
    .registerWorkflow(greeter)
    .registerWorkflow(fanOut)
    .registerWorkflow(child)
    .registerWorkflow(parent)
    .registerWorkflow(timers)
    .registerWorkflow(approval)
    .registerWorkflow(threeEvents)
    .registerWorkflow(counter)
    .registerWorkflow(retrying)
    .registerWorkflow(notRetried)
    .registerWorkflow(declined)
    .registerWorkflow(flakyChild)
    .registerWorkflow(retriesChild)
    .registerActivity(countAttempt)
    .registerWorkflow(callsMissing)
    .registerActivity(add)
    .registerActivity(greet)
    .registerActivity(flaky)
    .registerActivityWithName("decline", decline);
}

describe.each(storeFactories)("workflows on $name", (factory) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(factory, register);
  });
  afterAll(() => h.close());

  test("sequential activities: typed input and output, serialized input kept", async () => {
    const id = await h.client.scheduleNewWorkflow(sequence, 10);
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.runtimeStatus).toBe("COMPLETED");
    const output: number | undefined = state?.output;
    expect(output).toBe(55);
    expect(state?.serializedInput).toBe("10");
    expect(state?.name).toBe("sequence");
  });

  test("async generator workflows with async activities", async () => {
    const id = await h.client.scheduleNewWorkflow(greeter, ["ada", "alan"]);
    expect((await h.client.waitForWorkflowCompletion(id))?.output).toEqual(["hello ada", "hello alan"]);
  });

  test("fan-out/fan-in of 200 activities", async () => {
    const id = await h.client.scheduleNewWorkflow(fanOut, 200);
    expect((await h.client.waitForWorkflowCompletion(id, true, 20))?.output).toBe((200 * 201) / 2);
  });

  test("child workflows: default and explicit ids, and a failing child caught by the parent", async () => {
    const id = await h.client.scheduleNewWorkflow(parent, 1, "parent-1");
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.output).toEqual({
      a: 101,
      b: 201,
      caught: expect.stringContaining("negative child input"),
    });
    const firstChild = await h.client.getWorkflowState("parent-1:0001");
    expect(firstChild?.runtimeStatus).toBe("COMPLETED");
    expect((await h.client.getWorkflowState("parent-1-named"))?.output).toBe(201);
  });

  test("durable timers wait at least their delay, in seconds or until a date", async () => {
    const id = await h.client.scheduleNewWorkflow(timers);
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.output).toBeGreaterThanOrEqual(300);
    expect(state!.lastUpdatedAt.getTime() - state!.createdAt.getTime()).toBeGreaterThanOrEqual(300);
  });

  test("an external event raised before the wait is buffered; names are case-insensitive; custom status", async () => {
    const id = await h.client.scheduleNewWorkflow(approval, 30);
    await h.client.raiseEvent(id, "APPROVAL", { approved: true });
    const state = await h.client.waitForWorkflowCompletion(id);
    expect(state?.output).toBe("approved");
    expect(state?.serializedCustomStatus).toBe('"decided"');
  });

  test("an external event raised during the wait wins over the timeout", async () => {
    const id = await h.client.scheduleNewWorkflow(approval, 30);
    const started = await h.client.waitForWorkflowStart(id);
    expect(started?.runtimeStatus).toBe("RUNNING");
    await new Promise((r) => setTimeout(r, 50));
    expect((await h.client.getWorkflowState(id))?.serializedCustomStatus).toBe('"waiting for approval"');
    await h.client.raiseEvent(id, "approval", { approved: false });
    expect((await h.client.waitForWorkflowCompletion(id))?.output).toBe("rejected");
  });

  test("the timeout wins when no event comes", async () => {
    const id = await h.client.scheduleNewWorkflow(approval, 0.1);
    expect((await h.client.waitForWorkflowCompletion(id))?.output).toBe("timed out");
  });

  test("several different events are consumed in order", async () => {
    const id = await h.client.scheduleNewWorkflow(threeEvents);
    await h.client.raiseEvent(id, "c", "3");
    await h.client.raiseEvent(id, "a", "1");
    await h.client.raiseEvent(id, "b", "2");
    expect((await h.client.waitForWorkflowCompletion(id))?.output).toBe("123");
  });

  test("continue-as-new restarts with new input, resets history and carries unprocessed events", async () => {
    const id = await h.client.scheduleNewWorkflow(counter, 0);
    await h.client.raiseEvent(id, "carry", "kept");
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.output).toEqual({ n: 3, carried: "kept" });
    const history = await h.runtime.service.history(id);
    expect(history?.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
    expect(history?.find((e) => e.type === "ExecutionStarted")).toMatchObject({ input: "3" });
  });

  test("retry policy: retried with backoff until success, one task execution id across attempts", async () => {
    const id = await h.client.scheduleNewWorkflow(retrying, 2);
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.output).toBe("ok after 3");
    expect(executionIds.get(id)?.size).toBe(1);
    const history = await h.runtime.service.history(id);
    expect(history?.filter((e) => e.type === "TaskScheduled")).toHaveLength(3);
    expect(history?.filter((e) => e.type === "TimerCreated")).toHaveLength(2);
  });

  test("retry policy: attempts run out, and a predicate can refuse to retry", async () => {
    const exhausted = await h.client.scheduleNewWorkflow(retrying, 10);
    const a = await h.client.waitForWorkflowCompletion(exhausted, true, 10);
    expect(a?.runtimeStatus).toBe("FAILED");
    expect(a?.workflowFailureDetails?.errorMessage).toContain("attempt 4 failed");
    const refused = await h.client.scheduleNewWorkflow(notRetried);
    const b = await h.client.waitForWorkflowCompletion(refused, true, 10);
    expect(b?.runtimeStatus).toBe("FAILED");
    expect(b?.workflowFailureDetails?.errorMessage).toContain("attempt 1 failed");
  });

  test("retry policy on a child workflow: a new child per attempt until one completes", async () => {
    childAttempts = 0;
    const id = await h.client.scheduleNewWorkflow(retriesChild);
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.output).toBe(3);
    const history = await h.runtime.service.history(id);
    const children = history?.flatMap((e) =>
      e.type === "ChildWorkflowInstanceCreated" ? [e.instanceId] : [],
    );
    expect(children).toHaveLength(3);
    expect(new Set(children).size).toBe(3);
  });

  test("an uncaught activity failure fails the workflow with type, message and stack", async () => {
    const id = await h.client.scheduleNewWorkflow(declined);
    const state = await h.client.waitForWorkflowCompletion(id);
    expect(state?.runtimeStatus).toBe("FAILED");
    expect(state?.workflowFailureDetails?.errorType).toBe("TaskFailedError");
    expect(state?.workflowFailureDetails?.errorMessage).toContain("card expired");
    expect(state?.workflowFailureDetails?.stackTrace).toContain("TaskFailedError");
    const history = await h.runtime.service.history(id);
    const failed = history?.find((e) => e.type === "TaskFailed");
    expect(failed).toMatchObject({ failure: { errorType: "PaymentDeclined", message: "card expired" } });
  });

  test("unregistered workflow and activity names fail clearly", async () => {
    const wf = await h.client.scheduleNewWorkflow("noSuchWorkflow");
    const a = await h.client.waitForWorkflowCompletion(wf);
    expect(a?.workflowFailureDetails?.errorType).toBe("WorkflowNotRegisteredError");
    const act = await h.client.scheduleNewWorkflow(callsMissing);
    const b = await h.client.waitForWorkflowCompletion(act);
    expect(b?.runtimeStatus).toBe("FAILED");
    expect(b?.workflowFailureDetails?.errorMessage).toContain("doesNotExist");
  });

  test("history: event ids of scheduled work equal the action sequence numbers, completions reference them", async () => {
    const id = await h.client.scheduleNewWorkflow(sequence, 3);
    await h.client.waitForWorkflowCompletion(id);
    const history = (await h.runtime.service.history(id))!;
    expect(history[0]?.type).toBe("WorkflowStarted");
    expect(history[1]?.type).toBe("ExecutionStarted");
    const scheduled = history.filter((e) => e.type === "TaskScheduled").map((e) => e.eventId);
    const completed = history.flatMap((e) => (e.type === "TaskCompleted" ? [e.taskScheduledId] : []));
    expect(scheduled).toEqual([1, 2, 3]);
    expect(completed).toEqual([1, 2, 3]);
    expect(history.at(-1)).toMatchObject({
      type: "ExecutionCompleted",
      eventId: 4,
      status: "COMPLETED",
      result: "6",
    });
  });
});
