/**
 * `GET /weft/v1/overview` (the dashboard's overview page) over a real engine: on SQLite, and on PostgreSQL with
 * two nodes sharing one database, where either node answers for the whole cluster.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, test } from "vitest";
import { createHttpApp } from "../../src/api/http/app.js";
import type { WorkflowAction } from "../../src/core/actions.js";
import { applyTurn } from "../../src/core/apply.js";
import type { HistoryEvent } from "../../src/core/history.js";
import { WorkflowRuntime } from "../../src/index.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SLICE_ROWS } from "../../src/store/sqlite/overview.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { freshSchema, testPostgresUrl } from "../postgres/database.js";
import { AwaitGo, Echo, Fails } from "./harness.js";

const url = await testPostgresUrl();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Fresh stores of each kind this machine can run, closed after the test. */
async function stores(): Promise<[string, Store][]> {
  const sqlite = new SqliteStore({ path: ":memory:" });
  cleanups.push(() => sqlite.close());
  const found: [string, Store][] = [["sqlite", sqlite]];
  if (url) {
    const { schema, drop } = await freshSchema(url);
    const postgres = await PostgresStore.open({ url, schema, poolSize: 2 });
    cleanups.push(drop, () => postgres.close());
    found.push(["postgres", postgres]);
  }
  return found;
}

async function node(store?: Store) {
  const runtime = new WorkflowRuntime({ databasePath: ":memory:", store });
  runtime.registerWorkflow(Echo).registerWorkflow(AwaitGo).registerWorkflow(Fails);
  await runtime.start();
  const app = await createHttpApp({ runtime });
  cleanups.push(async () => {
    await app.close();
    await runtime.stop();
  });
  const get = async (url: string) => {
    const response = await app.inject({ method: "GET", url });
    return { status: response.statusCode, json: JSON.parse(response.body) };
  };
  return { runtime, get };
}

/** Two finished Echo, one failed, one waiting: what every store's overview must then show. */
async function seed(runtime: WorkflowRuntime) {
  const service = runtime.service;
  for (const id of ["e1", "e2"]) await service.start({ name: "Echo", instanceId: id, input: '"x"' });
  await service.start({ name: "Fails", instanceId: "f1" });
  await service.start({ name: "AwaitGo", instanceId: "w1" });
  for (const id of ["e1", "e2", "f1"]) await service.waitForCompletion(id, 10_000);
  await service.waitForStatus("w1", ["RUNNING"], 10_000);
}

function expectSeeded(json: {
  total: number;
  statuses: Record<string, number>;
  workflows: { name: string; total: number; statuses: Record<string, number> }[];
  series: { start: string; created: number; completed: number; failed: number; failureRate: number }[];
  backlog: { instances: number; activities: number };
  bucketSeconds: number;
}) {
  expect(json.total).toBe(4);
  expect(json.statuses).toEqual({
    PENDING: 0,
    RUNNING: 1,
    SUSPENDED: 0,
    COMPLETED: 2,
    FAILED: 1,
    TERMINATED: 0,
  });
  const byName = Object.fromEntries(json.workflows.map((w) => [w.name, w]));
  expect(byName.Echo).toMatchObject({ total: 2, statuses: { COMPLETED: 2 } });
  expect(byName.Fails).toMatchObject({ total: 1, statuses: { FAILED: 1 } });
  expect(byName.AwaitGo).toMatchObject({ total: 1, statuses: { RUNNING: 1 } });
  // 60 buckets of a minute, oldest first, aligned on whole minutes; the seeded work is in the last one or two.
  expect(json.series).toHaveLength(60);
  expect(json.bucketSeconds).toBe(60);
  expect(Date.parse(json.series[0]!.start) % 60_000).toBe(0);
  const sum = (key: "created" | "completed" | "failed") => json.series.reduce((n, b) => n + b[key], 0);
  expect([sum("created"), sum("completed"), sum("failed")]).toEqual([4, 2, 1]);
  const withEnds = json.series.filter((b) => b.completed + b.failed > 0);
  for (const b of withEnds) expect(b.failureRate).toBeCloseTo(b.failed / (b.completed + b.failed));
  // Nothing waits: the waiting instance has no inbox events, and no activity is queued.
  expect(json.backlog).toEqual({ instances: 0, activities: 0 });
}

describe("GET /weft/v1/overview", () => {
  test("SQLite: counts by status and name, starts and ends per minute, failure rate, backlog", async () => {
    const { runtime, get } = await node();
    // Another window than the one asked for below: answers are reused for a while per window and bucket.
    const empty = await get("/weft/v1/overview?window=600");
    expect(empty.status).toBe(200);
    expect(empty.json.total).toBe(0);
    await seed(runtime);
    const answer = await get("/weft/v1/overview");
    expect(answer.status).toBe(200);
    expectSeeded(answer.json);
  });

  test("the backlog counts instances with events waiting and activities waiting to run", async () => {
    // Straight on the store, with no engine taking the work away.
    for (const [name, store] of await stores()) {
      const now = Date.now();
      for (const id of ["a", "b"]) {
        await store.createInstance({ instanceId: id, name: "wf", executionId: randomUUID(), now });
      }
      const item = await store.nextWorkflowWorkItem(Date.now());
      const events: HistoryEvent[] = [{ type: "WorkflowStarted", eventId: -1, timestamp: Date.now() }];
      const actions: WorkflowAction[] = [0, 1, 2].map((id) => ({ type: "ScheduleTask", id, name: "act" }));
      const outcome = applyTurn(
        item!.state,
        [...events, ...item!.newEvents],
        { actions },
        {
          now: Date.now(),
          newExecutionId: randomUUID,
        },
      );
      await store.completeWorkflowWorkItem(item!, outcome);
      const overview = await store.overview({ since: now - 60_000, bucketMs: 60_000, now: Date.now() });
      expect(overview.backlog, name).toEqual({ workflows: 1, activities: 3 });
    }
  });

  test("SQLite reads the instances in slices and counts each one once", async () => {
    const store = new SqliteStore({ path: ":memory:" });
    cleanups.push(() => store.close());
    const count = 2 * SLICE_ROWS + 7;
    const now = Date.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        store.createInstance({
          instanceId: `i${i}`,
          name: i % 2 ? "odd" : "even",
          executionId: `e${i}`,
          now,
        }),
      ),
    );
    const overview = await store.overview({ since: now - 60_000, bucketMs: 60_000, now: Date.now() + 1 });
    expect(overview.counts).toEqual([
      { name: "even", status: "PENDING", count: SLICE_ROWS + 4 },
      { name: "odd", status: "PENDING", count: SLICE_ROWS + 3 },
    ]);
    expect(overview.buckets.reduce((n, b) => n + b.created, 0)).toBe(count);
  });

  test("requests that arrive together share one computation", async () => {
    const { get } = await node();
    const answers = await Promise.all([get("/weft/v1/overview"), get("/weft/v1/overview")]);
    expect(answers[0].json.generatedAt).toBe(answers[1].json.generatedAt);
  });

  test("window and bucket are checked: 400 with Dapr's error shape", async () => {
    const { get } = await node();
    const small = await get("/weft/v1/overview?window=600&bucket=30");
    expect(small.json.series).toHaveLength(20);
    for (const query of ["window=10", "bucket=0", "window=abc", "window=604800&bucket=60", "bucket=7200"]) {
      const answer = await get(`/weft/v1/overview?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json.errorCode).toBe("ERR_MALFORMED_REQUEST");
    }
  });
});

describe.skipIf(!url)("GET /weft/v1/overview on PostgreSQL", () => {
  test("either node of a two-node cluster shows the whole cluster", async () => {
    const { schema, drop } = await freshSchema(url!);
    cleanups.push(drop);
    const storeA = await PostgresStore.open({ url: url!, schema, poolSize: 3 });
    const storeB = await PostgresStore.open({ url: url!, schema, poolSize: 3 });
    cleanups.push(
      () => storeA.close(),
      () => storeB.close(),
    );
    const a = await node(storeA);
    const b = await node(storeB);
    await seed(a.runtime);
    expectSeeded((await a.get("/weft/v1/overview")).json);
    expectSeeded((await b.get("/weft/v1/overview")).json);
  });
});
