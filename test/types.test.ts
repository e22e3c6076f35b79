/** Inputs and outputs are inferred from the workflow and activity functions: no casts in user code. */
import { expectTypeOf, test } from "vitest";
import { type ActivityContext, WorkflowClient, type WorkflowContext, WorkflowRuntime } from "../src/index.js";

interface Order {
  item: string;
  quantity: number;
}

const price = (_: ActivityContext, order: Order) => order.quantity * 2.5;
const label = async (_: ActivityContext, total: number) => `total ${total}`;

function* checkout(ctx: WorkflowContext, order: Order) {
  const total = yield* ctx.callActivity(price, order);
  expectTypeOf(total).toEqualTypeOf<number>();
  const text = yield* ctx.callActivity(label, total);
  expectTypeOf(text).toEqualTypeOf<string>();
  const approved = yield* ctx.waitForExternalEvent<boolean>("approval");
  return { text, approved };
}

test("workflow inputs are checked and outputs inferred through the client", () => {
  const runtime = new WorkflowRuntime({ databasePath: ":memory:" });
  runtime.registerWorkflow(checkout).registerActivity(price).registerActivity(label);
  const client = new WorkflowClient(runtime);
  // Only type-checked, never run:
  const usage = async () => {
    const id = await client.scheduleNewWorkflow(checkout, { item: "pen", quantity: 2 });
    const state = await client.waitForWorkflowCompletion(id);
    expectTypeOf(state!.output).toEqualTypeOf<{ text: string; approved: boolean } | undefined>();
    // @ts-expect-error the input must be an Order
    await client.scheduleNewWorkflow(checkout, { item: "pen" });
  };
  function* wrongActivityInput(ctx: WorkflowContext) {
    // @ts-expect-error activity inputs are checked the same way
    yield* ctx.callActivity(price, 3);
  }
  expectTypeOf(usage).toBeFunction();
  expectTypeOf(wrongActivityInput).toBeFunction();
});
