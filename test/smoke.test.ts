import { expect, test } from "vitest";
import { type ActivityContext, WorkflowClient, type WorkflowContext, WorkflowRuntime } from "../src/index.js";

const double = (_: ActivityContext, n: number) => n * 2;

function* chain(ctx: WorkflowContext, n: number) {
  let x = n;
  for (let i = 0; i < 10; i++) x = yield* ctx.callActivity(double, x);
  return x;
}

test("a chain of activities completes", async () => {
  const runtime = new WorkflowRuntime({ databasePath: ":memory:" });
  runtime.registerWorkflow(chain).registerActivity(double);
  await runtime.start();
  const client = new WorkflowClient(runtime);
  const id = await client.scheduleNewWorkflow(chain, 1);
  const state = await client.waitForWorkflowCompletion(id, true, 5);
  expect(state?.runtimeStatus).toBe("COMPLETED");
  expect(state?.output).toBe(1024);
  await runtime.stop();
});
