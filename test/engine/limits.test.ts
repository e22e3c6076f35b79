/**
 * Limits as the activities themselves see them, on the embedded store: per-name and global concurrency, order of
 * waiting work, rates, and waiting work given back on stop. (The cluster-wide case: test/postgres/limits.test.ts.)
 */
import { afterEach, expect, test } from "vitest";
import { NO_WORKFLOW_SETTINGS, type WorkflowSettings } from "../../src/config/workflow-config.js";
import type { ActivityContext, WorkflowContext } from "../../src/index.js";
import { WorkflowRuntime } from "../../src/index.js";
import { Gauge } from "./gauge.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let slow = new Gauge();
let other = new Gauge();
let all = new Gauge();
const slowActivity = (_: ActivityContext, n: number) => slow.run(n, 40, n, all);
const otherActivity = (_: ActivityContext, n: number) => other.run(n, 40, n, all);
function* fanOut(ctx: WorkflowContext, n: number) {
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(ctx.callActivity(slowActivity, i));
  for (let i = 0; i < n; i++) tasks.push(ctx.callActivity(otherActivity, i));
  const results = yield* ctx.whenAll(tasks);
  return results.length;
}

const runtimes: WorkflowRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  slow = new Gauge();
  other = new Gauge();
  all = new Gauge();
});

async function start(settings: Partial<WorkflowSettings>): Promise<WorkflowRuntime> {
  const runtime = new WorkflowRuntime({
    databasePath: ":memory:",
    workflowSettings: { ...NO_WORKFLOW_SETTINGS, ...settings },
  });
  runtime.registerWorkflow(fanOut).registerActivity(slowActivity).registerActivity(otherActivity);
  await runtime.start();
  runtimes.push(runtime);
  return runtime;
}

test("a per-name limit holds for that name only, and its waiting work runs in order", async () => {
  const runtime = await start({ activityConcurrencyLimits: [{ name: "slowActivity", maxConcurrent: 2 }] });
  const id = await runtime.service.start({ name: "fanOut", input: "12" });
  const done = await runtime.service.waitForCompletion(id, 20_000);
  expect(done.output).toBe("24");
  expect(slow.max).toBe(2);
  expect(other.max).toBeGreaterThan(2);
  expect(slow.started).toEqual([...Array(12).keys()]);
  expect(runtime.limits).toEqual([
    { kind: "activity", name: "slowActivity", maxConcurrent: 2, running: 0, waiting: 0 },
  ]);
});

test("a global limit holds across names", async () => {
  const runtime = await start({ globalMaxConcurrentActivityInvocations: 3 });
  const id = await runtime.service.start({ name: "fanOut", input: "6" });
  expect((await runtime.service.waitForCompletion(id, 20_000)).output).toBe("12");
  expect(all.max).toBe(3);
  expect(all.started).toHaveLength(12);
});

test("maxPerSecond spreads starts: never more than the rate in any second", async () => {
  const runtime = await start({ activityConcurrencyLimits: [{ name: "slowActivity", maxPerSecond: 4 }] });
  const id = await runtime.service.start({ name: "fanOut", input: "10" });
  expect((await runtime.service.waitForCompletion(id, 20_000)).output).toBe("20");
  const times = slow.times;
  for (let i = 0; i < times.length; i++) {
    expect(times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length).toBeLessThanOrEqual(4);
  }
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(2000);
});

test("work waiting for a limit when the engine stops is given back, and runs after a restart", async () => {
  const settings = { activityConcurrencyLimits: [{ name: "slowActivity", maxConcurrent: 1 }] };
  const store = await import("../../src/store/sqlite/sqlite-store.js");
  const shared = new store.SqliteStore({ path: ":memory:" });
  const first = new WorkflowRuntime({
    store: shared,
    workflowSettings: { ...NO_WORKFLOW_SETTINGS, ...settings },
  });
  first.registerWorkflow(fanOut).registerActivity(slowActivity).registerActivity(otherActivity);
  await first.start();
  const id = await first.service.start({ name: "fanOut", input: "8" });
  while (slow.started.length < 2) await sleep(10);
  expect(first.limits[0]!.waiting).toBeGreaterThan(0);
  await first.stop();
  const second = new WorkflowRuntime({
    store: shared,
    workflowSettings: { ...NO_WORKFLOW_SETTINGS, ...settings },
  });
  second.registerWorkflow(fanOut).registerActivity(slowActivity).registerActivity(otherActivity);
  await second.start();
  runtimes.push(second);
  expect((await second.service.waitForCompletion(id, 20_000)).output).toBe("16");
  expect(slow.max).toBe(1);
  expect(new Set(slow.started)).toEqual(new Set([...Array(8).keys()]));
  await second.stop();
  await shared.close();
});
