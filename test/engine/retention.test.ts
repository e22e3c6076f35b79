/**
 * Retention on every store, with a clock the test controls: finished top-level instances are purged with their
 * children once their status's age has passed, in batches; running ones and young ones stay.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, test } from "vitest";
import { NO_WORKFLOW_SETTINGS } from "../../src/config/workflow-config.js";
import { Retention } from "../../src/engine/retention.js";
import type { WorkflowContext } from "../../src/index.js";
import { WorkflowRuntime } from "../../src/index.js";
import type { Store } from "../../src/store/store.js";
import { storeFactories } from "./harness.js";

const HOUR = 3_600_000;

function* child(_ctx: WorkflowContext, n: number) {
  return n;
}
function* parent(ctx: WorkflowContext, n: number) {
  return yield* ctx.callChildWorkflow(child, n);
}
function* fails(_ctx: WorkflowContext): Generator<never, never> {
  throw new Error("no");
}
function* waits(ctx: WorkflowContext) {
  return yield* ctx.waitForExternalEvent("go");
}

describe.each(storeFactories)("retention on $name", (factory) => {
  const open: { runtime: WorkflowRuntime; store: Store; cleanup: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const { runtime, store, cleanup } of open.splice(0)) {
      await runtime.stop();
      await store.close();
      await cleanup();
    }
  });

  /** A runtime whose instances finish at the time `clock.now` says. */
  async function setup() {
    const db = await factory.create();
    const store = await db.open();
    const clock = { now: Date.now() };
    const runtime = new WorkflowRuntime({ store });
    runtime.registerWorkflow(parent).registerWorkflow(child).registerWorkflow(fails).registerWorkflow(waits);
    await runtime.start();
    open.push({ runtime, store, cleanup: db.cleanup });
    const run = async (name: string, id: string) => {
      await runtime.service.start({ name, instanceId: id, input: "1" });
      return runtime.service.waitForCompletion(id, 20_000);
    };
    return { store, runtime, clock, run };
  }

  test("each status keeps its own age, anyTerminal covers the rest, children go with their parent", async () => {
    const { store, runtime, clock, run } = await setup();
    await run("parent", "p1");
    await run("fails", "f1");
    await runtime.service.start({ name: "waits", instanceId: "w1" });
    await runtime.service.start({ name: "waits", instanceId: "t1" });
    await runtime.service.terminate("t1");
    await runtime.service.waitForCompletion("t1", 20_000);
    const children = (await store.listInstances({})).filter((s) => s.parent).map((s) => s.instanceId);
    expect(children).toHaveLength(1);

    const retention = new Retention({
      store,
      policy: { completed: 1 * HOUR, anyTerminal: 24 * HOUR },
      clock: () => clock.now,
    });
    expect(await retention.sweep()).toBe(0);
    clock.now += 2 * HOUR;
    expect(await retention.sweep()).toBe(2);
    expect(await store.getInstance("p1")).toBeUndefined();
    expect(await store.getInstance(children[0]!)).toBeUndefined();
    expect(await store.getHistory("p1")).toBeUndefined();
    expect(await store.getInstance("f1")).toBeDefined();
    clock.now += 23 * HOUR;
    expect(await retention.sweep()).toBe(2);
    expect((await store.listInstances({})).map((s) => s.instanceId)).toEqual(["w1"]);
    expect(await retention.sweep()).toBe(0);
  });

  test("many due instances are purged in small batches within one sweep", async () => {
    const { store, run } = await setup();
    for (let i = 0; i < 7; i++) await run("child", `c-${i}-${randomUUID().slice(0, 4)}`);
    const retention = new Retention({
      store,
      policy: { anyTerminal: 0 },
      clock: () => Date.now() + 1,
      batchSize: 3,
    });
    expect(await retention.sweep()).toBe(7);
    expect(await store.listInstances({})).toEqual([]);
  });

  test("a runtime configured with a policy sweeps by itself", async () => {
    const db = await factory.create();
    const store = await db.open();
    const runtime = new WorkflowRuntime({
      store,
      workflowSettings: { ...NO_WORKFLOW_SETTINGS, stateRetentionPolicy: { completed: 0 } },
      retentionIntervalMs: 50,
    });
    runtime.registerWorkflow(child);
    await runtime.start();
    open.push({ runtime, store, cleanup: db.cleanup });
    await runtime.service.start({ name: "child", instanceId: "gone", input: "1" });
    await runtime.service.waitForCompletion("gone", 20_000);
    const deadline = Date.now() + 10_000;
    while ((await store.getInstance("gone")) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await store.getInstance("gone")).toBeUndefined();
  });
});
