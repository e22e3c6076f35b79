/**
 * The process the crash test kills. Each run makes sure every instance exists and has its event raised
 * (both idempotent), then lets the engine work; activities log every execution to a file so the test can tell
 * at-least-once runs from exactly-once results.
 */
import { appendFileSync } from "node:fs";
import { type ActivityContext, isWeftError, type WorkflowContext, WorkflowRuntime } from "../../src/index.js";

const [databasePath, executionLog, countArg, stepsArg] = process.argv.slice(2);
const count = Number(countArg);
const steps = Number(stepsArg);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function charge(ctx: ActivityContext, amount: number) {
  appendFileSync(executionLog!, `${ctx.getWorkflowInstanceId()} ${ctx.getWorkflowActivityId()}\n`);
  await sleep(1 + Math.random() * 10);
  return amount * 2;
}

function* ship(ctx: WorkflowContext, n: number) {
  return (yield* ctx.callActivity(charge, n)) + 1;
}

function* order(ctx: WorkflowContext, n: number) {
  let total = 0;
  for (let i = 0; i < steps; i++) total += yield* ctx.callActivity(charge, n + i);
  yield ctx.createTimer(0.3);
  const shipped = yield* ctx.callChildWorkflow(ship, n);
  const bonus = yield* ctx.waitForExternalEvent<number>("bonus");
  const parallel = yield* ctx.whenAll([ctx.callActivity(charge, 1), ctx.callActivity(charge, 2)]);
  return total + shipped + bonus + parallel[0]! + parallel[1]!;
}

const runtime = new WorkflowRuntime({ databasePath });
runtime.registerWorkflow(order).registerWorkflow(ship).registerActivity(charge);
await runtime.start();
console.log("weft ready");
const service = runtime.service;
for (let i = 0; i < count; i++) {
  const instanceId = `order-${i}`;
  try {
    await service.start({ name: "order", instanceId, input: String(i), idReuse: "never" });
  } catch (error) {
    if (!isWeftError(error, "already_exists")) throw error;
  }
  await service.raiseEvent(instanceId, "bonus", "1000", { dedupKey: `bonus-${instanceId}` });
}
const all = Array.from({ length: count }, (_, i) => service.waitForCompletion(`order-${i}`));
await Promise.all(all);
console.log("all complete");
await runtime.stop();
process.exit(0);
