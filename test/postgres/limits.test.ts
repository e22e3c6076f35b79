/**
 * Cluster-wide limits: three nodes on one PostgreSQL schema, an activity limited to 5 at once. The activities
 * themselves count how many run at once (the nodes share this process, so one gauge sees all three).
 */
import { describe, expect, test } from "vitest";
import { NO_WORKFLOW_SETTINGS } from "../../src/config/workflow-config.js";
import type { ActivityContext, WorkflowContext } from "../../src/index.js";
import { WorkflowRuntime } from "../../src/index.js";
import { PostgresSlots } from "../../src/store/postgres/limits.js";
import { Gauge } from "../engine/gauge.js";
import { testPostgresUrl } from "./database.js";
import { schemaNodes } from "./nodes.js";

const url = await testPostgresUrl();

const gauge = new Gauge();
const nodesSeen = new Set<string>();
function limited(_: ActivityContext, [n, node]: [number, string]) {
  nodesSeen.add(node);
  return gauge.run(n, 60, n);
}
function* fanOut(ctx: WorkflowContext, n: number) {
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(ctx.callActivity(limited, [i, ""] as [number, string]));
  return (yield* ctx.whenAll(tasks)).length;
}

describe.skipIf(!url)("cluster-wide limits on PostgreSQL", () => {
  const nodes = schemaNodes(url ?? "");

  test("three nodes never run more than 5 of a name at once, and every one runs", async () => {
    const settings = {
      ...NO_WORKFLOW_SETTINGS,
      activityConcurrencyLimits: [{ name: "limited", maxConcurrent: 5 }],
    };
    const runtimes: WorkflowRuntime[] = [];
    const slots: PostgresSlots[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const store = await nodes.node();
        const nodeSlots = new PostgresSlots(`${url}?schema=${nodes.schema}`);
        slots.push(nodeSlots);
        const runtime = new WorkflowRuntime({ store, workflowSettings: settings, slots: nodeSlots });
        const name = `node-${i}`;
        runtime
          .registerWorkflow(fanOut)
          .registerActivityWithName("limited", (ctx: ActivityContext, [n]: [number, string]) =>
            limited(ctx, [n, name]),
          );
        await runtime.start();
        runtimes.push(runtime);
      }
      const ids = [];
      for (let i = 0; i < 4; i++)
        ids.push(await runtimes[i % 3]!.service.start({ name: "fanOut", input: "15" }));
      for (const id of ids) {
        expect((await runtimes[0]!.service.waitForCompletion(id, 60_000)).output).toBe("15");
      }
      expect(gauge.started).toHaveLength(60);
      expect(gauge.max).toBe(5);
      expect(nodesSeen.size).toBeGreaterThan(1);
    } finally {
      await Promise.all(runtimes.map((r) => r.stop()));
      await Promise.all(slots.map((s) => s.close()));
    }
  }, 90_000);
});
