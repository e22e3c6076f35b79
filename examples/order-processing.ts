/**
 * The order-processing workflow of Dapr's workflow docs, as a Weft app module:
 *   weft run --app examples/order-processing.ts
 * Start it with `{"Name": "Paperclips", "TotalCost": 99.95, "Quantity": 4}`. Orders over 1000 wait for an
 * `approval_event` (`{"approved": true}`) for up to APPROVAL_TIMEOUT_SECONDS before they are rejected.
 */
import type { ActivityContext, WorkflowContext, WorkflowRuntime } from "../src/index.js";

export interface OrderPayload {
  Name: string;
  TotalCost: number;
  Quantity: number;
}

export interface OrderResult {
  processed: boolean;
  reason?: string;
}

const APPROVAL_THRESHOLD = 1000;
const APPROVAL_TIMEOUT_SECONDS = 120;

/** The warehouse: stock per item, kept in this process for the example's sake. */
const inventory = new Map<string, number>([
  ["Paperclips", 1000],
  ["Cars", 10],
  ["Computers", 100],
]);

function notifyActivity(_ctx: ActivityContext, message: string): void {
  console.log(`notification: ${message}`);
}

function reserveInventoryActivity(_ctx: ActivityContext, order: OrderPayload): boolean {
  return (inventory.get(order.Name) ?? 0) >= order.Quantity;
}

function processPaymentActivity(ctx: ActivityContext, order: OrderPayload): string {
  // A real payment call would pass this key so that a retried activity never charges twice.
  const idempotencyKey = ctx.getTaskExecutionId();
  console.log(`charged ${order.TotalCost} for ${order.Quantity} ${order.Name} (key ${idempotencyKey})`);
  return idempotencyKey;
}

function updateInventoryActivity(_ctx: ActivityContext, order: OrderPayload): number {
  const left = (inventory.get(order.Name) ?? 0) - order.Quantity;
  if (left < 0) throw new Error(`not enough ${order.Name} left in stock`);
  inventory.set(order.Name, left);
  return left;
}

export function* OrderProcessingWorkflow(ctx: WorkflowContext, order: OrderPayload) {
  const id = ctx.getWorkflowInstanceId();
  yield ctx.callActivity(notifyActivity, `received order ${id} for ${order.Quantity} ${order.Name}`);

  const inStock = yield* ctx.callActivity(reserveInventoryActivity, order);
  if (!inStock) {
    yield ctx.callActivity(notifyActivity, `order ${id}: not enough ${order.Name} in stock`);
    return { processed: false, reason: "out of stock" } satisfies OrderResult;
  }

  if (order.TotalCost > APPROVAL_THRESHOLD) {
    ctx.setCustomStatus("waiting for approval");
    yield ctx.callActivity(notifyActivity, `order ${id} needs approval: raise 'approval_event'`);
    try {
      const decision = yield* ctx.waitForExternalEvent<{ approved?: boolean }>(
        "approval_event",
        APPROVAL_TIMEOUT_SECONDS,
      );
      if (!decision?.approved) return { processed: false, reason: "rejected" } satisfies OrderResult;
    } catch {
      return { processed: false, reason: "approval timed out" } satisfies OrderResult;
    }
    ctx.setCustomStatus("approved");
  }

  yield ctx.callActivity(processPaymentActivity, order, {
    retryPolicy: { maxNumberOfAttempts: 3, firstRetryIntervalInMilliseconds: 1000 },
  });
  yield ctx.callActivity(updateInventoryActivity, order);
  yield ctx.callActivity(notifyActivity, `order ${id} has completed`);
  return { processed: true } satisfies OrderResult;
}

export default function register(runtime: WorkflowRuntime): void {
  runtime
    .registerWorkflow(OrderProcessingWorkflow)
    .registerActivity(notifyActivity)
    .registerActivity(reserveInventoryActivity)
    .registerActivity(processPaymentActivity)
    .registerActivity(updateInventoryActivity);
}
