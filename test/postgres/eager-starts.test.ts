/**
 * Eager starts: a node whose engine runs turns leases the first turn of an instance it starts to itself in the
 * start's commit, and runs it without a claim; the lease protects it like a claimed one.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { applyTurn } from "../../src/core/apply.js";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { WorkflowWorkItem } from "../../src/store/store.js";
import { eventually } from "../eventually.js";
import { testPostgresUrl } from "./database.js";
import { schemaNodes } from "./nodes.js";

const url = await testPostgresUrl();

describe.skipIf(!url)("eager starts on PostgreSQL", () => {
  const { node } = schemaNodes(url!);
  const create = (store: PostgresStore, instanceId: string) =>
    store.createInstance({ instanceId, name: "wf", executionId: randomUUID(), now: Date.now() });
  /** A node that has asked for turns, as a running engine does. */
  const engineNode = async (...args: Parameters<typeof node>) => {
    const store = await node(...args);
    expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    return store;
  };
  const complete = (store: PostgresStore, item: WorkflowWorkItem) => {
    const now = Date.now();
    const events = [{ type: "WorkflowStarted" as const, eventId: -1, timestamp: now }, ...item.newEvents];
    const outcome = applyTurn(item.state, events, { actions: [] }, { now, newExecutionId: randomUUID });
    return store.completeWorkflowWorkItem(item, outcome);
  };

  test("the starting node runs the first turn without a claim, and no other node can claim it", async () => {
    const starter = await engineNode();
    const other = await engineNode();
    const claims = starter.claimStats.claims;
    await create(starter, "eager");
    expect(await other.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    const item = await starter.nextWorkflowWorkItem(Date.now());
    expect(item).toMatchObject({ instanceId: "eager", historyLength: 0 });
    expect(item!.newEvents.map((e) => e.type)).toEqual(["ExecutionStarted"]);
    expect(starter.claimStats.claims).toBe(claims);
    await complete(starter, item as WorkflowWorkItem);
    expect((await starter.getHistory("eager"))?.map((e) => e.type)).toEqual([
      "WorkflowStarted",
      "ExecutionStarted",
    ]);
  });

  test("an event raised before the first turn runs comes in the next turn", async () => {
    const starter = await engineNode();
    await create(starter, "eager");
    await starter.addEvent(
      "eager",
      { type: "EventRaised", eventId: -1, timestamp: Date.now(), name: "go" },
      Date.now(),
    );
    const first = await starter.nextWorkflowWorkItem(Date.now());
    expect(first!.newEvents.map((e) => e.type)).toEqual(["ExecutionStarted"]);
    await complete(starter, first!);
    const second = await eventually(() => starter.nextWorkflowWorkItem(Date.now()), 5000, "the next turn");
    expect(second.newEvents).toMatchObject([{ type: "EventRaised", name: "go" }]);
  });

  test("a start the starting node never runs goes to another node once its lease lapses", async () => {
    // Both with short leases: the other node's sweep for lapsed leases runs once per lease period.
    const starter = await engineNode(300);
    const other = await engineNode(300);
    await create(starter, "abandoned");
    expect(await other.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    const item = await eventually(() => other.nextWorkflowWorkItem(Date.now()), 5000, "the lapsed start");
    expect(item.instanceId).toBe("abandoned");
  });

  test("nodes that only serve clients, or have eager starts off, leave starts to the cluster", async () => {
    const clientOnly = await node();
    const off = await engineNode(30_000, { eagerStarts: false });
    const runner = await engineNode();
    await create(clientOnly, "from-client");
    await create(off, "from-off");
    const taken = new Set<string>();
    await eventually(async () => {
      const item = await runner.nextWorkflowWorkItem(Date.now());
      if (item) taken.add(item.instanceId);
      return taken.size === 2;
    }, 5000);
    expect([...taken].sort()).toEqual(["from-client", "from-off"]);
  });
});
