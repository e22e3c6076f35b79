import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ActivityContext,
  isWeftError,
  type WorkflowContext,
  type WorkflowRuntime,
} from "../../src/index.js";
import { type Harness, startHarness, storeFactories } from "./harness.js";

const runs = new Map<string, number>();
let failCharge = true;
const count = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);

const reserve = (_: ActivityContext, item: string) => {
  count("reserve");
  return `reserved ${item}`;
};
const charge = (_: ActivityContext, amount: number) => {
  count("charge");
  if (failCharge) throw new Error("card declined");
  return `charged ${amount}`;
};
const ship = (_: ActivityContext, what: string) => {
  count("ship");
  return `shipped ${what}`;
};

function* order(ctx: WorkflowContext, amount: number) {
  const reserved = yield* ctx.callActivity(reserve, "pen");
  const charged = yield* ctx.callActivity(charge, amount);
  yield ctx.createTimer(0.05);
  const shipped = yield* ctx.callActivity(ship, reserved);
  return [reserved, charged, shipped];
}

function register(runtime: WorkflowRuntime) {
  runtime.registerWorkflow(order).registerActivity(reserve).registerActivity(charge).registerActivity(ship);
}

describe.each(storeFactories)("rerun from a step on $name", (factory) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(factory, register);
  });
  afterAll(() => h.close());

  test("a failed instance reruns from its failed step: earlier steps are not run again", async () => {
    runs.clear();
    failCharge = true;
    const source = await h.client.scheduleNewWorkflow(order, 5);
    expect((await h.client.waitForWorkflowCompletion(source))?.runtimeStatus).toBe("FAILED");
    const history = (await h.runtime.service.history(source))!;
    const chargeStep = history.find((e) => e.type === "TaskScheduled" && e.name === "charge")!;
    failCharge = false;
    const rerun = await h.runtime.service.rerun(source, chargeStep.eventId, {
      newInstanceId: `${source}-rerun`,
    });
    expect(rerun).toBe(`${source}-rerun`);
    const state = await h.client.waitForWorkflowCompletion(rerun, true, 10);
    expect(state?.runtimeStatus).toBe("COMPLETED");
    expect(state?.output).toEqual(["reserved pen", "charged 5", "shipped reserved pen"]);
    expect(Object.fromEntries(runs)).toEqual({ reserve: 1, charge: 2, ship: 1 });
    expect((await h.client.getWorkflowState(source))?.runtimeStatus).toBe("FAILED");
  });

  test("the rerun step can get a new input", async () => {
    failCharge = false;
    const source = await h.client.scheduleNewWorkflow(order, 5);
    await h.client.waitForWorkflowCompletion(source);
    const chargeStep = (await h.runtime.service.history(source))!.find(
      (e) => e.type === "TaskScheduled" && e.name === "charge",
    )!;
    const rerun = await h.runtime.service.rerun(source, chargeStep.eventId, { input: { value: "99" } });
    expect((await h.client.waitForWorkflowCompletion(rerun, true, 10))?.output).toEqual([
      "reserved pen",
      "charged 99",
      "shipped reserved pen",
    ]);
  });

  test("rerun refuses running instances and steps that are not activities, timers or children", async () => {
    failCharge = false;
    const source = await h.client.scheduleNewWorkflow(order, 1);
    const finished = await h.client.waitForWorkflowCompletion(source);
    expect(finished?.runtimeStatus).toBe("COMPLETED");
    const codeOf = (e: unknown) => (isWeftError(e) ? e.code : String(e));
    expect(await h.runtime.service.rerun(source, 999).catch(codeOf)).toBe("invalid_argument");
    expect(await h.runtime.service.rerun("no-such-instance", 1).catch(codeOf)).toBe("not_found");
    const waiting = await h.client.scheduleNewWorkflow(order, 1, "rerun-running");
    await h.client.waitForWorkflowStart(waiting);
    const state = await h.client.getWorkflowState(waiting);
    if (state?.runtimeStatus !== "COMPLETED") {
      expect(await h.runtime.service.rerun(waiting, 1).catch(codeOf)).toBe("failed_precondition");
    }
  });
});
