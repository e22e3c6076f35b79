import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isWeftError, type WorkflowContext, type WorkflowRuntime } from "../../src/index.js";
import { type Harness, startHarness, storeFactories } from "./harness.js";

function* waitForever(ctx: WorkflowContext) {
  return yield* ctx.waitForExternalEvent<string>("go");
}
function* parentOfWaiters(ctx: WorkflowContext) {
  yield ctx.whenAll([ctx.callChildWorkflow(waitForever), ctx.callChildWorkflow(waitForever)]);
}
function* parentDone(ctx: WorkflowContext) {
  return yield* ctx.callChildWorkflow(quick, 1);
}
function* quick(_: WorkflowContext, n: number) {
  return n;
}

function register(runtime: WorkflowRuntime) {
  runtime
    .registerWorkflow(waitForever)
    .registerWorkflow(parentOfWaiters)
    .registerWorkflow(parentDone)
    .registerWorkflow(quick);
}

async function rejects(promise: Promise<unknown>, code: string, message?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isWeftError(error), `expected a WeftError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  if (message) expect((error as Error).message).toContain(message);
}

describe.each(storeFactories)("managing instances on $name", (factory) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(factory, register);
  });
  afterAll(() => h.close());

  test("terminate is recursive: children end TERMINATED too, and the output is saved", async () => {
    const id = await h.client.scheduleNewWorkflow(parentOfWaiters, undefined, "term-parent");
    await h.client.waitForWorkflowStart(id);
    await h.runtime.service.waitForStatus("term-parent:0002", ["RUNNING"], 5000);
    await h.client.terminateWorkflow(id, { reason: "cancelled by operator" });
    const state = await h.client.waitForWorkflowCompletion(id);
    expect(state?.runtimeStatus).toBe("TERMINATED");
    expect(state?.serializedOutput).toBe('{"reason":"cancelled by operator"}');
    for (const child of ["term-parent:0001", "term-parent:0002"]) {
      expect((await h.client.waitForWorkflowCompletion(child))?.runtimeStatus).toBe("TERMINATED");
    }
  });

  test("terminating a finished instance changes nothing", async () => {
    const id = await h.client.scheduleNewWorkflow(quick, 5);
    await h.client.waitForWorkflowCompletion(id);
    await h.client.terminateWorkflow(id, "late");
    const state = await h.client.getWorkflowState(id);
    expect(state?.runtimeStatus).toBe("COMPLETED");
    expect(state?.output).toBe(5);
  });

  test("suspend stops progress until resume; resume of a running instance is a no-op", async () => {
    const id = await h.client.scheduleNewWorkflow(waitForever);
    await h.client.waitForWorkflowStart(id);
    await h.client.resumeWorkflow(id);
    await h.client.suspendWorkflow(id, "maintenance");
    expect((await h.runtime.service.waitForStatus(id, ["SUSPENDED"], 5000)).status).toBe("SUSPENDED");
    await h.client.raiseEvent(id, "go", "later");
    await new Promise((r) => setTimeout(r, 200));
    expect((await h.client.getWorkflowState(id))?.runtimeStatus).toBe("SUSPENDED");
    await h.client.resumeWorkflow(id);
    const state = await h.client.waitForWorkflowCompletion(id);
    expect(state?.runtimeStatus).toBe("COMPLETED");
    expect(state?.output).toBe("later");
  });

  test("scheduled start: PENDING until the start time, events raised meanwhile wait", async () => {
    const startAt = new Date(Date.now() + 400);
    const id = await h.client.scheduleNewWorkflow(waitForever, undefined, undefined, startAt);
    await h.client.raiseEvent(id, "go", "early");
    expect((await h.client.getWorkflowState(id))?.runtimeStatus).toBe("PENDING");
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.output).toBe("early");
    const history = await h.runtime.service.history(id);
    expect(history?.[0]?.timestamp).toBeGreaterThanOrEqual(startAt.getTime());
  });

  test("an active instance id cannot be started again; a finished one can be reused", async () => {
    await h.client.scheduleNewWorkflow(waitForever, undefined, "reuse-1");
    await rejects(h.client.scheduleNewWorkflow(quick, 1, "reuse-1"), "already_exists", "reuse-1");
    await h.client.terminateWorkflow("reuse-1");
    await h.client.waitForWorkflowCompletion("reuse-1");
    await h.client.scheduleNewWorkflow(quick, 7, "reuse-1");
    const state = await h.client.waitForWorkflowCompletion("reuse-1");
    expect(state?.name).toBe("quick");
    expect(state?.output).toBe(7);
  });

  test("idReuse 'never' refuses an id even after its instance finished", async () => {
    const id = await h.client.scheduleNewWorkflow(quick, 1);
    await h.client.waitForWorkflowCompletion(id);
    await rejects(
      h.runtime.service.start({ name: "quick", instanceId: id, idReuse: "never" }),
      "already_exists",
    );
  });

  test("invalid instance ids are refused", async () => {
    await rejects(h.client.scheduleNewWorkflow(quick, 1, "has space"), "invalid_argument");
    await rejects(h.client.scheduleNewWorkflow(quick, 1, "x".repeat(65)), "invalid_argument");
  });

  test("purge: only finished instances, recursive to children; unknown ids are not found", async () => {
    const id = await h.client.scheduleNewWorkflow(parentDone, undefined, "purge-parent");
    await h.client.waitForWorkflowCompletion(id);
    expect(await h.client.getWorkflowState("purge-parent:0001")).toBeDefined();
    expect(await h.runtime.service.purge(id)).toBe(2);
    expect(await h.client.getWorkflowState(id)).toBeUndefined();
    expect(await h.client.getWorkflowState("purge-parent:0001")).toBeUndefined();
    expect(await h.runtime.service.history(id)).toBeUndefined();
    const running = await h.client.scheduleNewWorkflow(waitForever);
    await h.client.waitForWorkflowStart(running);
    await rejects(h.runtime.service.purge(running), "failed_precondition", "RUNNING");
    await rejects(h.runtime.service.purge("nope-not-here"), "not_found");
    expect(await h.client.purgeWorkflow("nope-not-here")).toBe(false);
  });

  test("unknown instances: state is undefined, events and terminate are not found", async () => {
    expect(await h.client.getWorkflowState("missing-1")).toBeUndefined();
    await rejects(h.client.raiseEvent("missing-1", "x"), "not_found");
    await rejects(h.client.terminateWorkflow("missing-1"), "not_found");
    await rejects(h.runtime.service.waitForCompletion("missing-1", 100), "not_found");
  });

  test("waiting gives up after its timeout", async () => {
    const id = await h.client.scheduleNewWorkflow(waitForever);
    await rejects(h.runtime.service.waitForCompletion(id, 100), "timeout");
    await rejects(
      h.runtime.service.waitForCompletion(id, undefined, AbortSignal.abort()),
      "timeout",
      "cancelled",
    );
  });

  test("events raised with the same dedup key are delivered once", async () => {
    const id = await h.client.scheduleNewWorkflow(waitForever);
    await h.runtime.service.raiseEvent(id, "go", '"first"', { dedupKey: "msg-1" });
    await h.runtime.service.raiseEvent(id, "go", '"second"', { dedupKey: "msg-1" });
    expect((await h.client.waitForWorkflowCompletion(id))?.output).toBe("first");
    const history = await h.runtime.service.history(id);
    expect(history?.filter((e) => e.type === "EventRaised")).toHaveLength(1);
  });

  test("list filters by status and name", async () => {
    const id = await h.client.scheduleNewWorkflow(quick, 3, "list-quick");
    await h.client.waitForWorkflowCompletion(id);
    const completed = await h.runtime.service.list({ statuses: ["COMPLETED"], name: "quick" });
    expect(completed.map((s) => s.instanceId)).toContain("list-quick");
    expect(completed.every((s) => s.status === "COMPLETED" && s.name === "quick")).toBe(true);
  });
});
