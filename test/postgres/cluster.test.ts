/**
 * Issue 6, items 1 and 2: several nodes (PostgresStore instances, some in child processes) on one schema.
 * Migrations are safe when nodes start together; a turn is leased to one node at a time; a node that stops
 * renewing loses its leases; idle nodes sleep until notified; a timer fires once across the cluster.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { applyTurn } from "../../src/core/apply.js";
import { WorkflowService } from "../../src/engine/service.js";
import { type WorkflowContext, WorkflowRuntime } from "../../src/index.js";
import { MIGRATIONS } from "../../src/store/postgres/migrations.js";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { WorkflowWorkItem } from "../../src/store/store.js";
import { testPostgresUrl } from "./database.js";
import { schemaNodes } from "./nodes.js";

const url = await testPostgresUrl();
const HOLDER = resolve(import.meta.dirname, "fixtures/lease-holder.ts");

describe.skipIf(!url)("nodes sharing one PostgreSQL schema", () => {
  const nodes = schemaNodes(url!);
  const { node, newSchema } = nodes;
  const create = (store: PostgresStore, instanceId: string) =>
    store.createInstance({ instanceId, name: "wf", executionId: randomUUID(), now: Date.now() });
  /** Resolves once `store` reports new work and then hands out an item, or fails after `ms`. */
  const nextWhenWoken = (store: PostgresStore, ms: number): Promise<WorkflowWorkItem> =>
    new Promise((resolveItem, reject) => {
      const timer = setTimeout(() => {
        unwatch();
        reject(new Error(`no work item within ${ms} ms`));
      }, ms);
      const attempt = () => {
        void store.nextWorkflowWorkItem(Date.now()).then((item) => {
          if (!item) return;
          clearTimeout(timer);
          unwatch();
          resolveItem(item);
        });
      };
      const unwatch = store.watch((e) => e.kind === "workflow-ready" && attempt());
      attempt();
    });
  const holder = (mode: "hold" | "stall", leaseMs: number) => {
    const child = nodes.spawnFixture(HOLDER, [String(leaseMs), mode]);
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    const line = (prefix: string) =>
      new Promise<string>((resolveLine, reject) => {
        const check = () => {
          const found = out.split("\n").find((l) => l.startsWith(prefix));
          if (found) resolveLine(found);
        };
        child.stdout!.on("data", check);
        child.on("exit", (code) => reject(new Error(`lease holder exited with ${code}: ${out}`)));
        check();
      });
    return { child, line };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test("several nodes starting at once on an empty schema apply each migration once", async () => {
    await newSchema();
    await Promise.all(Array.from({ length: 4 }, () => node()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = await client.query(
        `SELECT version FROM ${client.escapeIdentifier(nodes.schema)}.schema_migrations ORDER BY version`,
      );
      expect(rows.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await client.end();
    }
    await node();
  });

  test("two nodes starting the same instance id at once: one start wins, the other is told it exists", async () => {
    await newSchema();
    const [a, b] = [await node(), await node()];
    const ids = Array.from({ length: 40 }, (_, i) => `race-${i}`);
    const outcomes = await Promise.allSettled(ids.flatMap((id) => [create(a, id), create(b, id)]));
    ids.forEach((_, i) => {
      const pair = outcomes.slice(2 * i, 2 * i + 2);
      expect(pair.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const lost = pair.find((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(lost?.reason).toMatchObject({ code: "already_exists" });
    });
    const listed = await a.listInstances({ limit: 1000 });
    expect(listed.map((s) => s.instanceId).sort()).toEqual([...ids].sort());
  });

  test("an instance's turn is leased to one node at a time", async () => {
    await newSchema();
    const [a, b, c] = [await node(), await node(), await node()];
    await Promise.all(Array.from({ length: 60 }, (_, i) => create(a!, `i${i}`)));
    const taken = await Promise.all(
      [a!, b!, c!].map(async (store) => {
        const items: string[] = [];
        for (let item = await store.nextWorkflowWorkItem(Date.now()); item; ) {
          items.push(item.instanceId);
          item = await store.nextWorkflowWorkItem(Date.now());
        }
        return items;
      }),
    );
    const all = taken.flat();
    expect(all).toHaveLength(60);
    expect(new Set(all).size).toBe(60);
  });

  test("a node that stops renewing loses its leases, and another node takes the turn", async () => {
    await newSchema();
    const other = await node(500);
    await create(other, "held");
    const held = holder("hold", 500);
    expect(await held.line("leased")).toBe("leased held");
    // Renewed while the holder lives: several lease periods later the turn is still not free.
    await sleep(2000);
    expect(await other.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    held.child.kill("SIGKILL");
    const item = await nextWhenWoken(other, 10_000);
    expect(item.instanceId).toBe("held");
    expect(item.newEvents.map((e) => e.type)).toEqual(["ExecutionStarted"]);
  });

  test("a node whose lease lapsed while it stalled cannot commit the turn another node took over", async () => {
    await newSchema();
    const other = await node(300);
    await create(other, "stalled");
    const stalled = holder("stall", 300);
    await stalled.line("leased");
    const item = await nextWhenWoken(other, 10_000);
    const now = Date.now();
    const events = [{ type: "WorkflowStarted" as const, eventId: -1, timestamp: now }, ...item.newEvents];
    const outcome = applyTurn(item.state, events, { actions: [] }, { now, newExecutionId: randomUUID });
    await other.completeWorkflowWorkItem(item, outcome);
    expect(await stalled.line("refused")).toBe("refused lock_lost");
    expect(await other.getHistory("stalled")).toHaveLength(2);
  });

  test("idle nodes make no claims until another node's commit notifies them", async () => {
    await newSchema();
    const [writer, idle] = [await node(), await node()];
    const woken: string[] = [];
    idle.watch((e) => woken.push(e.kind));
    expect(await idle.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    await sleep(200);
    const before = idle.claimStats.claims;
    woken.length = 0;
    await sleep(1500);
    expect(await idle.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    expect(idle.claimStats.claims).toBe(before);
    expect(woken).toEqual([]);
    await create(writer, "wake-up");
    const item = await nextWhenWoken(idle, 5000);
    expect(item.instanceId).toBe("wake-up");
  });

  test("a timer fires once across the cluster", async () => {
    await newSchema();
    const nodes = [await node(), await node(), await node()];
    await create(nodes[0]!, "timed");
    const first = await nodes[0]!.nextWorkflowWorkItem(Date.now());
    const now = Date.now();
    const fireAt = now + 400;
    const outcome = applyTurn(
      first!.state,
      [{ type: "WorkflowStarted", eventId: -1, timestamp: now }, ...first!.newEvents],
      { actions: [{ type: "CreateTimer", id: 0, fireAt }] },
      { now, newExecutionId: randomUUID },
    );
    await nodes[0]!.completeWorkflowWorkItem(first!, outcome);
    const fired: { node: number; item: WorkflowWorkItem }[] = [];
    const unwatch = nodes.map((store, i) =>
      store.watch((e) => {
        if (e.kind !== "workflow-ready") return;
        void store.nextWorkflowWorkItem(Date.now()).then((item) => item && fired.push({ node: i, item }));
      }),
    );
    await sleep(1500);
    for (const stop of unwatch) stop();
    expect(fired).toHaveLength(1);
    expect(fired[0]!.item.newEvents).toMatchObject([{ type: "TimerFired", timerId: 0, fireAt }]);
  });

  test("a client on one node sees the completion of an instance another node ran", async () => {
    await newSchema();
    const engineNode = await node();
    const clientNode = await node();
    function* hello(_: WorkflowContext, name: string) {
      return `hello ${name}`;
    }
    const runtime = new WorkflowRuntime({ store: engineNode });
    runtime.registerWorkflow(hello);
    await runtime.start();
    const service = new WorkflowService(clientNode);
    try {
      const id = await service.start({ name: "hello", input: '"there"' });
      const state = await service.waitForCompletion(id, 10_000);
      expect(state).toMatchObject({ status: "COMPLETED", output: '"hello there"' });
    } finally {
      service.close();
      await runtime.stop();
    }
  });
});
