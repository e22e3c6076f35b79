/**
 * `bindings.cron`: deterministic tick instance ids, at most one start per tick across nodes, and one catch-up
 * run (not one per missed tick) after downtime.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { CronTrigger, parseSchedule, tickStamp } from "../../src/components/bindings/cron.js";
import { InstanceIdTemplate } from "../../src/components/template.js";
import { silentLogger } from "../../src/core/logger.js";
import { eventually } from "../eventually.js";
import { outcomeCounter, startHarness, type TriggerHarness } from "./harness.js";

let h: TriggerHarness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const HOUR = 3_600_000;
const T1 = Date.parse("2026-03-01T10:00:00Z");

function trigger(name = "hourly", schedule = "@every 1h"): CronTrigger {
  return new CronTrigger({
    name,
    schedule: parseSchedule(schedule),
    route: {
      action: "start",
      workflowName: "Echo",
      instanceId: InstanceIdTemplate.parse("{{.source}}-{{.id}}"),
      input: ["data"],
      onExists: "ignore",
    },
    service: h.service,
    logger: silentLogger,
  });
}

describe("schedules", () => {
  test("cron expressions (5 or 6 fields, shortcuts) and @every, in UTC", () => {
    const everyFive = parseSchedule("*/5 * * * * *");
    expect(everyFive.latestAtOrBefore(T1 + 7_500)).toBe(T1 + 5_000);
    expect(everyFive.latestAtOrBefore(T1 + 5_000)).toBe(T1 + 5_000);
    expect(everyFive.nextAfter(T1 + 5_000)).toBe(T1 + 10_000);
    expect(parseSchedule("30 * * * *").nextAfter(T1)).toBe(T1 + 30 * 60_000);
    expect(parseSchedule("@daily").latestAtOrBefore(T1)).toBe(Date.parse("2026-03-01T00:00:00Z"));
    expect(parseSchedule("@every 15m").nextAfter(T1 + 1)).toBe(T1 + 15 * 60_000);
    expect(() => parseSchedule("@every 1500ms")).toThrow(/whole seconds/);
    expect(() => parseSchedule("every day")).toThrow();
    expect(tickStamp(T1)).toBe("20260301T100000Z");
  });
});

describe("catch-up after downtime", () => {
  test("a trigger that never fired does not fire on its first start", async () => {
    expect(await trigger().catchUp(T1 + HOUR / 2)).toBeUndefined();
    expect(await h.instances()).toHaveLength(0);
  });

  test("ticks missed while down fire once: only the latest, and only once across restarts", async () => {
    await trigger().fire(T1);
    const due = await trigger().catchUp(T1 + 3.5 * HOUR);
    expect(due).toBe(T1 + 3 * HOUR);
    expect((await h.instances()).map((i) => i.instanceId).sort()).toEqual([
      "hourly-20260301T100000Z",
      "hourly-20260301T130000Z",
    ]);
    expect(await trigger().catchUp(T1 + 3.6 * HOUR)).toBeUndefined();
    expect(await h.instances()).toHaveLength(2);
  });

  test("nodes catching up together start the missed tick once", async () => {
    await trigger().fire(T1);
    await Promise.all([1, 2, 3].map(() => trigger().catchUp(T1 + 2.5 * HOUR)));
    const ids = (await h.instances()).map((i) => i.instanceId).sort();
    expect(ids).toEqual(["hourly-20260301T100000Z", "hourly-20260301T120000Z"]);
    const history = await h.service.history("hourly-20260301T120000Z");
    expect(history?.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
  });

  test("another trigger's ticks do not count as this one having fired", async () => {
    await trigger("hourly-eu").fire(T1);
    expect(await trigger("hourly").catchUp(T1 + 2.5 * HOUR)).toBeUndefined();
  });
});

const cronComponent = (schedule: string) => `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: ticker }
spec:
  type: bindings.cron
  version: v1
  metadata:
    - { name: schedule, value: "${schedule}" }
    - { name: workflowName, value: Echo }
`;

describe("running on a schedule", () => {
  test("two nodes on one store: every tick starts exactly one instance", { timeout: 60_000 }, async () => {
    const logs = [outcomeCounter(), outcomeCounter()];
    const nodes = await Promise.all(
      logs.map((logger) => h.startTriggers({ "cron.yaml": cronComponent("@every 1s") }, { logger })),
    );
    await eventually(async () => (await h.instances("ticker-")).length >= 3 || undefined, 20_000, "3 ticks");
    for (const node of nodes) await node.close();
    const instances = await h.instances("ticker-");
    for (const instance of instances) {
      expect(instance.instanceId).toMatch(/^ticker-\d{8}T\d{6}Z$/);
      const done = await h.service.waitForCompletion(instance.instanceId, 10_000);
      const tick = instance.instanceId.slice("ticker-".length);
      expect(tickStamp(Date.parse(JSON.parse(done.output!).scheduledTime))).toBe(tick);
    }
    const started = logs.reduce((sum, log) => sum + (log.outcomes.get("started") ?? 0), 0);
    expect(started).toBe(instances.length);
  });

  test("a node restarted after missing ticks runs the latest one once, not each", {
    timeout: 60_000,
  }, async () => {
    const files = { "cron.yaml": cronComponent("@every 1s") };
    const first = await h.startTriggers(files);
    await eventually(async () => (await h.instances("ticker-")).length >= 1 || undefined, 20_000, "a tick");
    await first.close();
    await h.restartRuntime();
    const stamps = async () => (await h.instances("ticker-")).map((i) => i.instanceId.slice(7)).sort();
    const before = (await stamps()).at(-1)!;
    await new Promise((r) => setTimeout(r, 2500)); // down across at least two ticks
    await h.startTriggers(files);
    // Every tick of the downtime is at or before this one; the schedule's own loop only fires later ticks.
    const lastDue = tickStamp(Math.floor(Date.now() / 1000) * 1000);
    const ranForDowntime = (await stamps()).filter((s) => s > before && s <= lastDue);
    expect(ranForDowntime).toHaveLength(1);
  });
});
