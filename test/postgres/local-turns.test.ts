/**
 * The PostgreSQL store's local turns (src/store/postgres/local-turns.ts): a committed turn leases the activities it
 * schedules to its node, and their results reach the next turn without an inbox row or a claim. These tests show
 * the shortcut is taken, and that it never loses or doubles a result: when the instance changed on another node,
 * when the node dies holding a result, and when it stops cleanly.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
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
const HOLDER = resolve(import.meta.dirname, "fixtures/local-result-holder.ts");

describe.skipIf(!url)("local turns on the PostgreSQL store", () => {
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

  test("a step takes one commit and no claim: the activity is leased with its turn, the result goes to the next", async () => {
    const a = await node();
    await create(a, "local");
    await complete(a, await turnOf(a), [schedule(0)]);
    const claims = a.claimStats.claims;
    const commits = a.commitStats.commits;
    const activity = await a.nextActivityWorkItem(Date.now());
    expect(activity).toMatchObject({
      dispatchCount: 1,
      task: { instanceId: "local", taskId: 0, input: "0" },
    });
    const [row] = await sql<{ lease_token: string | null }>("SELECT lease_token FROM activities");
    expect(row!.lease_token).not.toBeNull();
    await a.completeActivityWorkItem(activity!, done(0, '"r"'));
    const next = await a.nextWorkflowWorkItem(Date.now());
    expect(next?.newEvents).toMatchObject([{ type: "TaskCompleted", taskScheduledId: 0, result: '"r"' }]);
    await complete(a, next!, [schedule(1)]);
    expect(a.claimStats.claims).toBe(claims);
    expect(a.commitStats.commits).toBe(commits + 1);
    expect(await results(a, "local")).toHaveLength(1);
    expect(await sql("SELECT * FROM inbox")).toEqual([]);
    expect((await sql<{ task_id: number }>("SELECT task_id FROM activities")).map((r) => r.task_id)).toEqual([
      1,
    ]);
  });

  test("a second run of the same activity finishing while the first result waits is dropped", async () => {
    const a = await node();
    const activity = await startedWithActivity(a, "twice");
    await a.completeActivityWorkItem(activity, done(0, '"first"'));
    const next = await turnOf(a);
    await a.completeActivityWorkItem(activity, done(0, '"second"'));
    await complete(a, next);
    expect(await a.nextWorkflowWorkItem(Date.now())).toBeUndefined();
    expect((await results(a, "twice")).map((e) => (e as TaskCompleted).result)).toEqual(['"first"']);
  });

  test("a local turn onto an instance another node advanced is refused; its result arrives through the inbox", async () => {
    const [a, b] = [await node(), await node()];
    const activity = await startedWithActivity(a, "raced");
    // Another node runs a turn of the instance (an event came) while the activity runs here.
    await b.addEvent("raced", raised, Date.now());
    const other = await turnOf(b);
    expect(other.newEvents.map((e) => e.type)).toEqual(["EventRaised"]);
    await complete(b, other);
    await a.completeActivityWorkItem(activity, done(0, '"r"'));
    const stale = await turnOf(a);
    await expect(complete(a, stale)).rejects.toMatchObject({ code: "lock_lost" });
    const retried = await turnOf(b);
    expect(retried.newEvents).toMatchObject([{ type: "TaskCompleted", result: '"r"' }]);
    await complete(b, retried);
    expect(await results(b, "raced")).toHaveLength(1);
    expect(await sql("SELECT * FROM activities")).toEqual([]);
  });

  test("a local turn is refused while another node holds the instance's lease, and the claimed turn runs after it", async () => {
    const [a, b] = [await node(), await node()];
    const activity = await startedWithActivity(a, "leased");
    await b.addEvent("leased", raised, Date.now());
    const held = await turnOf(b);
    await a.completeActivityWorkItem(activity, done(0, '"r"'));
    await expect(complete(a, await turnOf(a))).rejects.toMatchObject({ code: "lock_lost" });
    await complete(b, held);
    const next = await turnOf(b);
    expect(next.newEvents.map((e) => e.type)).toEqual(["TaskCompleted"]);
    await complete(b, next);
    const history = (await b.getHistory("leased"))!.map((e) => e.type);
    expect(history.filter((t) => t === "EventRaised")).toHaveLength(1);
    expect(history.filter((t) => t === "TaskCompleted")).toHaveLength(1);
  });

  test("a node killed while it holds a result: the activity runs again on another node, its result recorded once", async () => {
    const survivor = await node(500);
    await create(survivor, "held");
    const child = nodes.spawnFixture(HOLDER, ["500"]);
    await new Promise<void>((resolveLine, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("holding") && resolveLine());
      child.once("exit", (code) => reject(new Error(`the holder exited with ${code}`)));
    });
    expect(await sql("SELECT * FROM inbox")).toEqual([]);
    child.kill("SIGKILL");
    const again = await activityOf(survivor);
    expect(again).toMatchObject({ dispatchCount: 2, task: { instanceId: "held", taskId: 0 } });
    await survivor.completeActivityWorkItem(again, done(0, '"rerun"'));
    const turn = await turnOf(survivor);
    expect(turn.newEvents).toMatchObject([{ type: "TaskCompleted", result: '"rerun"' }]);
    await complete(survivor, turn);
    expect(await results(survivor, "held")).toHaveLength(1);
  });

  test("a node that stops cleanly hands the results it holds to the inbox, so no activity runs again", async () => {
    const [a, b] = [await node(), await node()];
    await a.completeActivityWorkItem(await startedWithActivity(a, "handed"), done(0, '"kept"'));
    await a.close();
    const turn = await turnOf(b);
    expect(turn.newEvents).toMatchObject([{ type: "TaskCompleted", result: '"kept"' }]);
    expect(await sql("SELECT * FROM activities")).toEqual([]);
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
