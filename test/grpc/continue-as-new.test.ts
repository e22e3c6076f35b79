/**
 * Continue-as-new and events: a workflow continues as new three times (keeping unhandled events) and then waits
 * for event "e", raised at some moment around the continues-as-new. Run 200 times with the real
 * @dapr/durabletask-js worker over gRPC and 200 times in-process, on SQLite and on PostgreSQL: every instance
 * completes with the event's payload, every execution's history opens with its ExecutionStarted, and the event
 * is in it exactly once.
 */
import { TaskHubGrpcClient, TaskHubGrpcWorker } from "@dapr/durabletask-js";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { GrpcSidecar } from "../../src/api/grpc/sidecar.js";
import type { HistoryEvent } from "../../src/core/history.js";
import { WorkflowClient, type WorkflowContext, WorkflowRuntime } from "../../src/index.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { freshSchema, testPostgresUrl } from "../postgres/database.js";

const INSTANCES = 200;
const CONTINUES = 3;
const pgUrl = await testPostgresUrl();

// biome-ignore lint/suspicious/noExplicitAny: the SDK's orchestration context type is not exported by path
async function* remoteCycle(ctx: any, n: number): AsyncGenerator<unknown, unknown, unknown> {
  if (n < CONTINUES) {
    ctx.continueAsNew(n + 1, true);
    return undefined;
  }
  return yield ctx.waitForExternalEvent("e");
}

function* localCycle(ctx: WorkflowContext, n: number) {
  if (n < CONTINUES) {
    ctx.continueAsNew(n + 1, true);
    return undefined;
  }
  return yield* ctx.waitForExternalEvent<number>("e");
}

/** Raised right after the start or a few milliseconds later: before, during or after the continues-as-new. */
const raiseDelay = (i: number) => (i % 4 === 0 ? 0 : (i % 13) * 2);
/**
 * Never 0: @dapr/durabletask-js 1.0.0 carries a falsy event value over as no value at all (`eventValue ?
 * JSON.stringify(eventValue) : undefined` in its getActions), a loss in the SDK that no sidecar can undo.
 */
const payload = (i: number) => i + 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lost instances' states and histories, for the failure message. */
async function describeLost(store: Store, lost: string[]): Promise<string> {
  const lines = [`lost: ${lost.length} of ${INSTANCES}`];
  for (const id of lost.slice(0, 3)) {
    const state = await store.getInstance(id);
    const history = (await store.getHistory(id)) ?? [];
    lines.push(`${id} ${state?.status} input=${state?.input}: ${JSON.stringify(history)}`);
  }
  return lines.join("\n");
}

function checkHistory(id: string, history: HistoryEvent[] | undefined): void {
  const types = (history ?? []).map((e) => e.type);
  const started = types.indexOf("ExecutionStarted");
  expect(started, `${id}: ${types}`).toBeGreaterThanOrEqual(0);
  expect(
    types.slice(0, started).every((t) => t === "WorkflowStarted"),
    `${id} opens with ${types}`,
  ).toBe(true);
  const raised = (history ?? []).filter((e) => e.type === "EventRaised" && e.name === "e");
  expect(raised, `${id}: ${types}`).toHaveLength(1);
}

const stores: {
  name: string;
  available: boolean;
  open: () => Promise<{ store: Store; done: () => Promise<void> }>;
}[] = [
  {
    name: "SQLite",
    available: true,
    open: async () => {
      const store = new SqliteStore({ path: ":memory:" });
      return { store, done: () => store.close() };
    },
  },
  {
    name: "PostgreSQL",
    available: pgUrl !== undefined,
    open: async () => {
      const { schema, drop } = await freshSchema(pgUrl!);
      const store = await PostgresStore.open({ url: pgUrl!, schema, poolSize: 4 });
      return {
        store,
        done: async () => {
          await store.close();
          await drop();
        },
      };
    },
  },
];

for (const { name, available, open } of stores) {
  describe.skipIf(!available)(`continue-as-new with events raised around it, ${name}`, () => {
    let store: Store;
    let closeStore: () => Promise<void>;
    let runtime: WorkflowRuntime;
    let sidecar: GrpcSidecar;
    let worker: TaskHubGrpcWorker;
    let remote: TaskHubGrpcClient;

    beforeAll(async () => {
      vi.spyOn(console, "log").mockImplementation(() => {});
      vi.spyOn(console, "info").mockImplementation(() => {});
      ({ store, done: closeStore } = await open());
      sidecar = new GrpcSidecar();
      runtime = new WorkflowRuntime({ store, remote: sidecar.router });
      runtime.registerWorkflowWithName("LocalCycle", localCycle);
      sidecar.attach(runtime);
      await runtime.start();
      const address = `127.0.0.1:${await sidecar.listen("127.0.0.1", 0)}`;
      worker = new TaskHubGrpcWorker(address);
      worker.addNamedOrchestrator("RemoteCycle", remoteCycle);
      await worker.start();
      remote = new TaskHubGrpcClient(address);
    });

    afterAll(async () => {
      await worker?.stop();
      await remote?.stop();
      await sidecar?.close();
      await runtime?.stop(1000);
      await closeStore?.();
      vi.restoreAllMocks();
    });

    test(`${INSTANCES} over gRPC with @dapr/durabletask-js: none lost`, async () => {
      const ids = await Promise.all(
        Array.from({ length: INSTANCES }, async (_, i) => {
          const id = await remote.scheduleNewOrchestration("RemoteCycle", 0);
          await sleep(raiseDelay(i));
          await remote.raiseOrchestrationEvent(id, "e", payload(i));
          return id;
        }),
      );
      const states = await Promise.all(
        ids.map((id) => remote.waitForOrchestrationCompletion(id, true, 60).catch(() => undefined)),
      );
      const lost = ids.filter((_, i) => states[i]?.serializedOutput !== JSON.stringify(payload(i)));
      expect(lost, await describeLost(store, lost)).toEqual([]);
      for (const id of ids) checkHistory(id, await store.getHistory(id));
    }, 180_000);

    test(`${INSTANCES} in-process: none lost`, async () => {
      const client = new WorkflowClient(runtime);
      const ids = await Promise.all(
        Array.from({ length: INSTANCES }, async (_, i) => {
          const id = await client.scheduleNewWorkflow("LocalCycle", 0);
          await sleep(raiseDelay(i));
          await client.raiseEvent(id, "e", payload(i));
          return id;
        }),
      );
      const states = await Promise.all(
        ids.map((id) => client.waitForWorkflowCompletion(id, true, 60).catch(() => undefined)),
      );
      const lost = ids.filter((_, i) => states[i]?.output !== payload(i));
      expect(lost, await describeLost(store, lost)).toEqual([]);
      for (const id of ids) checkHistory(id, await store.getHistory(id));
    }, 180_000);
  });
}
