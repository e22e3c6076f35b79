/** The workflows Weft's benchmarks run; also an app module for `weft run` (its default export). */
import type { ActivityContext, WorkflowContext, WorkflowRuntime } from "../src/index.js";

export const step = (_: ActivityContext, n: number) => n + 1;

export function* sequential(ctx: WorkflowContext, steps: number) {
  let n = 0;
  for (let i = 0; i < steps; i++) n = yield* ctx.callActivity(step, n);
  return n;
}

export function* fanOut(ctx: WorkflowContext, width: number) {
  const results = yield* ctx.whenAll(Array.from({ length: width }, (_, i) => ctx.callActivity(step, i)));
  return results.length;
}

export function* waitForEvent(ctx: WorkflowContext) {
  return yield* ctx.waitForExternalEvent<number>("go");
}

export const stepTimes: number[] = [];
export const timedStep = (_: ActivityContext, n: number) => {
  stepTimes.push(performance.now());
  return n + 1;
};
export function* long(ctx: WorkflowContext, steps: number) {
  let n = 0;
  for (let i = 0; i < steps; i++) n = yield* ctx.callActivity(timedStep, n);
  return n;
}

export function registerBenchWorkflows(runtime: WorkflowRuntime): void {
  runtime
    .registerWorkflow(sequential)
    .registerWorkflow(fanOut)
    .registerWorkflow(waitForEvent)
    .registerWorkflow(long)
    .registerActivity(step)
    .registerActivity(timedStep);
}

export default registerBenchWorkflows;
