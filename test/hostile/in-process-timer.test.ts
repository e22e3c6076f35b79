/**
 * Issue 17: a workflow in the in-process SDK that asks for a timer no store or client could hold gets a RangeError
 * thrown into its code (which it may catch), and the timer is never recorded.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { WorkflowContext } from "../../src/index.js";
import { WorkflowRuntime } from "../../src/index.js";

function* FarTimer(ctx: WorkflowContext) {
  yield ctx.createTimer(1e15); // seconds: far past year 9999
}

function* CatchesFarTimer(ctx: WorkflowContext) {
  try {
    yield ctx.createTimer(new Date(8.64e15));
  } catch (error) {
    return (error as Error).name;
  }
  return "no error";
}

let runtime: WorkflowRuntime;
beforeAll(async () => {
  runtime = new WorkflowRuntime({ databasePath: ":memory:" });
  runtime.registerWorkflow(FarTimer).registerWorkflow(CatchesFarTimer);
  await runtime.start();
});
afterAll(() => runtime.stop());

test("uncaught, it fails the workflow with the reason; no TimerCreated is recorded", async () => {
  await runtime.service.start({ name: "FarTimer", instanceId: "far-1" });
  const state = await runtime.service.waitForCompletion("far-1", 10_000);
  expect(state.status).toBe("FAILED");
  expect(state.failure).toMatchObject({
    errorType: "RangeError",
    message: "a timer must fire between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z",
  });
  const history = (await runtime.service.history("far-1")) ?? [];
  expect(history.map((e) => e.type)).not.toContain("TimerCreated");
});

test("caught, the workflow carries on", async () => {
  await runtime.service.start({ name: "CatchesFarTimer", instanceId: "far-2" });
  const state = await runtime.service.waitForCompletion("far-2", 10_000);
  expect(state).toMatchObject({ status: "COMPLETED", output: '"RangeError"' });
});
