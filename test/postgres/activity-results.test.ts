/**
 * Activity results on the PostgreSQL store: a committed turn leases the activities it schedules to its node (no
 * claim), and each result is committed to the instance's inbox before any turn can see it; a result is recorded
 * once, however often its activity ran, and whichever node runs the next turn.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, test } from "vitest";
import type { WorkflowAction } from "../../src/core/actions.js";
import { applyTurn } from "../../src/core/apply.js";
import type { InboxEvent, TaskCompleted } from "../../src/core/history.js";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { ActivityWorkItem, WorkflowWorkItem } from "../../src/store/store.js";
import { eventually } from "../eventually.js";
import { testPostgresUrl } from "./database.js";
import { schemaNodes } from "./nodes.js";

const url = await testPostgresUrl();

describe.skipIf(!url)("activity results on the PostgreSQL store", () => {
  const nodes = schemaNodes(url!);
  const { node } = nodes;
  const create = (store: PostgresStore, instanceId: string) =>
    store.createInstance({ instanceId, name: "wf", executionId: randomUUID(), now: Date.now() });
  const complete = (store: PostgresStore, item: WorkflowWorkItem, actions: WorkflowAction[] = []) => {
    const now = Date.now();
    const events = [{ type: "WorkflowStarted" as const, eventId: -1, timestamp: now }, ...item.newEvents];
    const outcome = applyTurn(item.state, events, { actions }, { now, newExecutionId: randomUUID });
    return store.completeWorkflowWorkItem(item, outcome);
  };
  const schedule = (id: number): WorkflowAction => ({
    type: "ScheduleTask",
    id,
    name: "act",
    input: String(id),
  });
  const done = (taskScheduledId: number, result: string): TaskCompleted => ({
    type: "TaskCompleted",
    eventId: -1,
    timestamp: Date.now(),
    taskScheduledId,
    result,
  });
  const raised: InboxEvent = { type: "EventRaised", eventId: -1, timestamp: Date.now(), name: "go" };
  const turnOf = (store: PostgresStore): Promise<WorkflowWorkItem> =>
    eventually(() => store.nextWorkflowWorkItem(Date.now()), 10_000, "a turn");
  const activityOf = (store: PostgresStore): Promise<ActivityWorkItem> =>
    eventually(() => store.nextActivityWorkItem(Date.now()), 10_000, "an activity");
  /** Starts `instanceId` on `store`, whose first turn schedules activity 0; returns that activity, leased there. */
  const startedWithActivity = async (store: PostgresStore, instanceId: string): Promise<ActivityWorkItem> => {
    await create(store, instanceId);
    await complete(store, await turnOf(store), [schedule(0)]);
    return activityOf(store);
  };
  const sql = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${nodes.schema}` });
    await client.connect();
    try {
      return (await client.query<R>(text)).rows;
    } finally {
      await client.end();
    }
  };
  const results = async (store: PostgresStore, instanceId: string) =>
    ((await store.getHistory(instanceId)) ?? []).filter((e) => e.type === "TaskCompleted");

  test("a result is in the table when its completion resolves, and only then does a turn see it", async () => {
    const a = await node();
    await create(a, "strict");
    await complete(a, await turnOf(a), [schedule(0)]);
    const claims = a.claimStats.claims;
    const activity = await a.nextActivityWorkItem(Date.now());
    expect(activity).toMatchObject({
      dispatchCount: 1,
      task: { instanceId: "strict", taskId: 0, input: "0" },
    });
    // Leased to this node by the turn's commit: no claim was needed.
    expect(a.claimStats.claims).toBe(claims);
    await a.completeActivityWorkItem(activity!, done(0, '"r"'));
    const inbox = await sql<{ event: { type: string; result: string } }>("SELECT event FROM inbox");
    expect(inbox.map((r) => r.event)).toMatchObject([{ type: "TaskCompleted", result: '"r"' }]);
    expect(await sql("SELECT * FROM activities")).toEqual([]);
    const next = await turnOf(a);
    expect(next.newEvents).toMatchObject([{ type: "TaskCompleted", taskScheduledId: 0, result: '"r"' }]);
    await complete(a, next, [schedule(1)]);
    expect(await results(a, "strict")).toHaveLength(1);
    expect(await sql("SELECT * FROM inbox")).toEqual([]);
  });

  test("a second run of the same activity finishing after the first is dropped", async () => {
    const a = await node();
    const activity = await startedWithActivity(a, "twice");
    await a.completeActivityWorkItem(activity, done(0, '"first"'));
    await a.completeActivityWorkItem(activity, done(0, '"second"'));
    await complete(a, await turnOf(a));
    expect(await a.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    expect((await results(a, "twice")).map((e) => (e as TaskCompleted).result)).toEqual(['"first"']);
  });

  test("a result reaches the node that holds the instance's lease, after its turn", async () => {
    const [a, b] = [await node(), await node()];
    const activity = await startedWithActivity(a, "leased");
    await b.addEvent("leased", raised, Date.now());
    const held = await turnOf(b);
    await a.completeActivityWorkItem(activity, done(0, '"r"'));
    expect(await a.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    await complete(b, held);
    const next = await turnOf(b);
    expect(next.newEvents.map((e) => e.type)).toEqual(["TaskCompleted"]);
    await complete(b, next);
    const history = (await b.getHistory("leased"))!.map((e) => e.type);
    expect(history.filter((t) => t === "EventRaised")).toHaveLength(1);
    expect(history.filter((t) => t === "TaskCompleted")).toHaveLength(1);
  });

  test("a large fan-out leases one claim batch to its node and leaves the rest to all nodes", async () => {
    const [a, b] = [await node(), await node()];
    await create(a, "fan");
    await complete(
      a,
      await turnOf(a),
      Array.from({ length: 40 }, (_, i) => schedule(i)),
    );
    const leased = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM activities WHERE lease_token IS NOT NULL",
    );
    expect(leased[0]!.n).toBe(16);
    const taken: number[] = [];
    for (
      let item = await b.nextActivityWorkItem(Date.now());
      item;
      item = await b.nextActivityWorkItem(Date.now())
    ) {
      taken.push(item.task.taskId);
    }
    expect(taken).toHaveLength(24);
    expect(Math.min(...taken)).toBe(16);
  });
});
