/**
 * The `stalled` lifecycle event: an instance whose turn is due but does not run (no executor serves its name, or
 * the turn keeps failing) for longer than the threshold gets one `stalled` event in the outbox, once per stall
 * (again only after a turn commits and the instance stalls anew). On SQLite and on PostgreSQL, where two nodes
 * that both see the stall still write it once. End to end: `stalledAfter` in a Configuration, and the SSE stream.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import type { TurnResult } from "../../src/core/actions.js";
import { Engine } from "../../src/engine/engine.js";
import type { ExecutorRouter, WorkflowExecutor } from "../../src/engine/executor.js";
import { WorkflowService } from "../../src/engine/service.js";
import { startServer } from "../../src/server.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LifecycleEventLog, Store, StoredLifecycleEvent } from "../../src/store/store.js";
import { eventually } from "../eventually.js";
import { freshSchema, testPostgresUrl } from "../postgres/database.js";
import { readEvents } from "./events-helpers.js";

const STALLED_AFTER_MS = 300;
const pgUrl = await testPostgresUrl();

/** Opens `nodes` stores on one database (SQLite: one node only, it owns its file). */
type Nodes = (count: number) => Promise<{ stores: Store[]; cleanup: () => Promise<void> }>;

const sqliteNodes: Nodes = async () => {
  const store = new SqliteStore({ path: ":memory:", lifecycleEvents: true });
  return { stores: [store], cleanup: () => store.close() };
};

const postgresNodes: Nodes = async (count) => {
  const { schema, drop } = await freshSchema(pgUrl!);
  const stores: Store[] = [];
  for (let i = 0; i < count; i++) {
    stores.push(await PostgresStore.open({ url: pgUrl!, schema, poolSize: 3, lifecycleEvents: true }));
  }
  return {
    stores,
    cleanup: async () => {
      for (const store of stores) await store.close();
      await drop();
    },
  };
};

/** A router whose one executor runs turns that do nothing, only while `available`; or throws, if `failing`. */
function switchableRouter() {
  const control = { available: false, failing: false };
  const executor: WorkflowExecutor = {
    async executeWorkflow(): Promise<TurnResult> {
      if (control.failing) throw new Error("the worker went away mid-turn");
      return { actions: [] };
    },
  };
  const router: ExecutorRouter = {
    failUnknownNames: false,
    workflowExecutor: () => (control.available || control.failing ? executor : undefined),
    activityExecutor: () => undefined,
  };
  return { control, router };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function readAll(log: LifecycleEventLog): Promise<StoredLifecycleEvent[]> {
  const all: StoredLifecycleEvent[] = [];
  for (let after: string | undefined; ; ) {
    const page = await log.read(after, 100);
    if (page.length === 0) return all;
    all.push(...page);
    after = page.at(-1)!.id;
  }
}
const kinds = (events: StoredLifecycleEvent[]) => events.map((e) => `${e.event.instanceId}:${e.event.type}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cases: [string, Nodes, number][] = [["sqlite", sqliteNodes, 1]];
if (pgUrl) cases.push(["postgres", postgresNodes, 2]);

describe.each(cases)("stalled events on %s", (_name, open, nodeCount) => {
  async function setup() {
    const { stores, cleanup } = await open(nodeCount);
    closers.push(cleanup);
    const { control, router } = switchableRouter();
    for (const store of stores) {
      const engine = new Engine({ store, router, stalledAfterMs: STALLED_AFTER_MS });
      engine.start();
      closers.push(() => engine.stop(1000));
    }
    const service = new WorkflowService(stores[0]!);
    closers.push(async () => service.close());
    return { control, service, log: stores[0]!.lifecycleEvents! };
  }

  test("a turn no executor serves stalls once; after a commit it can stall once more", async () => {
    const { control, service, log } = await setup();
    const before = Date.now();
    await service.start({ name: "Nobody", instanceId: "s1" });
    const [first] = await eventually(async () => {
      const all = await readAll(log);
      return all.length > 0 && all;
    }, 15_000);
    expect(first!.event).toMatchObject({
      type: "stalled",
      instanceId: "s1",
      workflowName: "Nobody",
      status: "PENDING",
      previousStatus: "PENDING",
      stallReason: "no-executor",
    });
    expect(first!.event.waitingSince).toBeGreaterThanOrEqual(before);
    expect(first!.event.time - first!.event.waitingSince!).toBeGreaterThanOrEqual(STALLED_AFTER_MS);
    // The engines keep retrying the turn (every second); the stall is not written again.
    await sleep(2_500);
    expect(kinds(await readAll(log))).toEqual(["s1:stalled"]);

    // An executor comes: the turn commits. Then none again, and a new event makes a turn due: a new stall.
    control.available = true;
    await eventually(async () => (await readAll(log)).length === 2, 15_000);
    control.available = false;
    await service.raiseEvent("s1", "go");
    await eventually(async () => (await readAll(log)).length === 3, 15_000);
    await sleep(2_500);
    expect(kinds(await readAll(log))).toEqual(["s1:stalled", "s1:started", "s1:stalled"]);
  });

  test("a turn whose executor keeps throwing stalls, with that reason", async () => {
    const { control, service, log } = await setup();
    control.failing = true;
    await service.start({ name: "Flaky", instanceId: "s2" });
    const [first] = await eventually(async () => {
      const all = await readAll(log);
      return all.length > 0 && all;
    }, 15_000);
    expect(first!.event).toMatchObject({ type: "stalled", instanceId: "s2", stallReason: "executor-failed" });
    await sleep(2_500);
    expect(kinds(await readAll(log))).toEqual(["s2:stalled"]);
  });
});

describe("stalled events end to end", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("Configuration's stalledAfter sets the threshold; the SSE stream carries one stalled event", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-stalled-"));
    dirs.push(dir);
    const configFile = join(dir, "config.yaml");
    writeFileSync(
      configFile,
      [
        "apiVersion: dapr.io/v1alpha1",
        "kind: Configuration",
        "metadata: { name: weft }",
        "spec:",
        "  workflow:",
        "    stalledAfter: 300ms",
      ].join("\n"),
    );
    const server = await startServer({
      dataDir: dir,
      configFile,
      httpHost: "127.0.0.1",
      httpPort: 0,
      grpcHost: "127.0.0.1",
      grpcPort: 0,
      maxBodyBytes: 1 << 20,
      lifecycleEvents: true,
    });
    closers.push(() => server.close());
    // No gRPC worker is connected, so nothing runs the name.
    await server.runtime.service.start({ name: "ServedByNobody", instanceId: "e2e" });
    const url = `http://127.0.0.1:${server.httpPort}/weft/v1/events?from=oldest&type=stalled`;
    const events = await readEvents(url, (seen) => seen.length >= 2, {}, 4_000);
    expect(events.map((e) => `${e.record.type}:${e.record.subject}`)).toEqual(["weft.workflow.stalled:e2e"]);
    expect(events[0]!.record.data).toMatchObject({ type: "stalled", stallReason: "no-executor" });
  });
});
