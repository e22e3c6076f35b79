import { afterEach, describe, expect, test } from "vitest";
import type { ActivityContext, Workflow, WorkflowContext, WorkflowRuntime } from "../../src/index.js";
import { type Harness, startHarness, storeFactories } from "./harness.js";

const step = (_: ActivityContext, n: number) => n + 1;

function* v1(ctx: WorkflowContext) {
  const a = yield* ctx.callActivity(step, 1);
  const e = yield* ctx.waitForExternalEvent<number>("go");
  return a + e;
}
function* v2Changed(ctx: WorkflowContext) {
  const a = yield* ctx.callActivity("other", 1);
  const e = yield* ctx.waitForExternalEvent<number>("go");
  return Number(a) + e;
}
function* v2Patched(ctx: WorkflowContext) {
  // A new first step: replaying an old history must not take it, or step #1 would no longer match.
  const bonus = ctx.isPatched("bonus-step") ? yield* ctx.callActivity(step, 10) : 0;
  const a = yield* ctx.callActivity(step, 1);
  const e = yield* ctx.waitForExternalEvent<number>("go");
  return a + e + bonus;
}
function* waiter(ctx: WorkflowContext, n: number) {
  const e = yield* ctx.waitForExternalEvent<number>("go");
  const r = yield* ctx.callActivity(step, n + e);
  return r;
}

const registerAs = (workflow: Workflow<never, number>) => (runtime: WorkflowRuntime) =>
  runtime.registerWorkflowWithName("versioned", workflow).registerWorkflow(waiter).registerActivity(step);

describe.each(storeFactories)("durability on $name", (factory) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test("an instance in flight survives a restart and is replayed from history", async () => {
    h = await startHarness(factory, registerAs(v1));
    const id = await h.client.scheduleNewWorkflow("versioned");
    await h.runtime.service.waitForStatus(id, ["RUNNING"], 5000);
    await new Promise((r) => setTimeout(r, 100));
    await h.restart();
    await h.client.raiseEvent(id, "go", 40);
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.output).toBe(42);
    expect(h.runtime.executor.replays).toBe(1);
  });

  test("changed code fails an in-flight instance with a non-determinism error naming the step", async () => {
    h = await startHarness(factory, registerAs(v1));
    const id = await h.client.scheduleNewWorkflow("versioned");
    await h.runtime.service.waitForStatus(id, ["RUNNING"], 5000);
    await new Promise((r) => setTimeout(r, 100));
    await h.restart(registerAs(v2Changed));
    await h.client.raiseEvent(id, "go", 1);
    const state = await h.client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.runtimeStatus).toBe("FAILED");
    expect(state?.workflowFailureDetails?.errorType).toBe("NonDeterminismError");
    expect(state?.workflowFailureDetails?.errorMessage).toMatch(
      /step #1.*callActivity\('step'\).*callActivity\('other'\)/,
    );
  });

  test("isPatched keeps in-flight instances on the old path and sends new ones down the new one", async () => {
    h = await startHarness(factory, registerAs(v1));
    const old = await h.client.scheduleNewWorkflow("versioned");
    await h.runtime.service.waitForStatus(old, ["RUNNING"], 5000);
    await new Promise((r) => setTimeout(r, 100));
    await h.restart(registerAs(v2Patched));
    const fresh = await h.client.scheduleNewWorkflow("versioned");
    await h.client.raiseEvent(old, "go", 1);
    await h.client.raiseEvent(fresh, "go", 1);
    const oldState = await h.client.waitForWorkflowCompletion(old);
    expect(oldState?.runtimeStatus).toBe("COMPLETED");
    expect(oldState?.output).toBe(3);
    expect((await h.client.waitForWorkflowCompletion(fresh))?.output).toBe(14);
  });

  test("the executor cache is bounded; evicted instances replay and complete", async () => {
    h = await startHarness(factory, registerAs(v1), { cacheSize: 3 });
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h!.client.scheduleNewWorkflow(waiter, i)),
    );
    await Promise.all(ids.map((id) => h!.runtime.service.waitForStatus(id, ["RUNNING"], 5000)));
    expect(h.runtime.executor.cachedCount).toBeLessThanOrEqual(3);
    await Promise.all(ids.map((id) => h!.client.raiseEvent(id, "go", 100)));
    const states = await Promise.all(ids.map((id) => h!.client.waitForWorkflowCompletion(id, true, 10)));
    expect(states.map((s) => s?.output)).toEqual(ids.map((_, i) => i + 101));
    expect(h.runtime.executor.replays).toBeGreaterThan(0);
    expect(h.runtime.executor.cachedCount).toBeLessThanOrEqual(3);
  });
});
