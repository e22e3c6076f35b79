/**
 * Weft's own workloads, in process on the embedded SQLite store with durable (fsync) commits, plus W6 through the
 * HTTP API of a `weft run` server. Same workloads and metric names as the peers (bench/peers/types.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { WEFT_VERSION } from "../src/cli/version.js";
import { WorkflowClient, WorkflowRuntime, type WorkflowRuntimeOptions } from "../src/index.js";
import { startServer } from "../src/server.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { Store } from "../src/store/store.js";
import { runStartStorm } from "./peers/autocannon.js";
import type { Metrics, PeerSystem } from "./peers/harness.js";
import { MB, nowMs, percentile, runPool } from "./peers/measure.js";
import { STEPS_PER_WORKFLOW, type WorkloadSizes } from "./peers/types.js";
import { fanOut, long, registerBenchWorkflows, sequential, stepTimes, waitForEvent } from "./workflows.js";

/** A store the benchmarks can read commit counts from (both stores keep them). */
export type BenchStore = Store & { readonly commitStats: { commits: number; writes: number } };

export interface BenchEnv {
  runtime: WorkflowRuntime;
  client: WorkflowClient;
  store: BenchStore;
  close(): Promise<void>;
}

/** A runtime with the bench workflows over `store`; `dispose` runs after the store has closed. */
export async function openBenchEnv(
  store: BenchStore,
  options: Partial<WorkflowRuntimeOptions> = {},
  dispose: () => void | Promise<void> = () => {},
): Promise<BenchEnv> {
  const runtime = new WorkflowRuntime({ ...options, store });
  registerBenchWorkflows(runtime);
  await runtime.start();
  return {
    runtime,
    client: new WorkflowClient(runtime),
    store,
    async close() {
      await runtime.stop();
      await store.close();
      await dispose();
    },
  };
}

function open(options: Partial<WorkflowRuntimeOptions> = {}): Promise<BenchEnv> {
  const dir = mkdtempSync(join(tmpdir(), "weft-bench-"));
  return openBenchEnv(new SqliteStore({ path: join(dir, "weft.db") }), options, () =>
    rmSync(dir, { recursive: true, force: true }),
  );
}

/** Waits for a 10-step workflow's end; fails unless it completed with the output its steps add up to. */
async function completed(env: BenchEnv, id: string): Promise<void> {
  const state = await env.runtime.service.waitForCompletion(id, 600_000);
  if (state?.status !== "COMPLETED" || state.output !== String(STEPS_PER_WORKFLOW)) {
    throw new Error(`workflow ${id} ended ${state?.status} with ${state?.output}`);
  }
}

/** W1: the 10-step workflow, one at a time. */
export async function sequentialLatency(env: BenchEnv, sizes: WorkloadSizes): Promise<Metrics> {
  const latencies: number[] = [];
  for (let i = 0; i < sizes.w1Warmup + sizes.w1Runs; i++) {
    const t0 = nowMs();
    const id = await env.client.scheduleNewWorkflow(sequential, STEPS_PER_WORKFLOW);
    await completed(env, id);
    if (i >= sizes.w1Warmup) latencies.push(nowMs() - t0);
  }
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
  };
}

/** Starts one W2 workflow through `env`'s own client; resolves with its id. */
export const startSequential = (env: BenchEnv): Promise<string> =>
  env.client.scheduleNewWorkflow(sequential, STEPS_PER_WORKFLOW);

/**
 * W2: 1,000 workflows of 10 steps, 50 at a time. `start` starts the i-th one (by default through this process's
 * client) and returns its id; completion is awaited here.
 */
export async function sequentialThroughput(
  env: BenchEnv,
  sizes: WorkloadSizes,
  start: (index: number) => Promise<string> = () => startSequential(env),
): Promise<Metrics> {
  const before = env.store.commitStats;
  const t0 = nowMs();
  await runPool(sizes.w2Workflows, sizes.w2Concurrency, async (index) => {
    await completed(env, await start(index));
  });
  const seconds = (nowMs() - t0) / 1000;
  const commits = env.store.commitStats.commits - before.commits;
  const steps = sizes.w2Workflows * STEPS_PER_WORKFLOW;
  return {
    workflowsPerSec: sizes.w2Workflows / seconds,
    stepsPerSec: steps / seconds,
    commits,
    stepsPerCommit: steps / commits,
  };
}

/** A workload on a fresh SQLite runtime, closed afterwards. */
const onSqlite =
  (workload: (env: BenchEnv, sizes: WorkloadSizes) => Promise<Metrics>) =>
  async (sizes: WorkloadSizes): Promise<Metrics> => {
    const env = await open();
    try {
      return await workload(env, sizes);
    } finally {
      await env.close();
    }
  };

async function w3(sizes: WorkloadSizes): Promise<Metrics> {
  const env = await open();
  const t0 = nowMs();
  await runPool(sizes.w3Workflows, sizes.w3Concurrency, async () => {
    const id = await env.client.scheduleNewWorkflow(fanOut, sizes.w3FanOut);
    await env.runtime.service.waitForCompletion(id, 600_000);
  });
  const seconds = (nowMs() - t0) / 1000;
  await env.close();
  return {
    workflowsPerSec: sizes.w3Workflows / seconds,
    stepsPerSec: (sizes.w3Workflows * sizes.w3FanOut) / seconds,
  };
}

async function w4(sizes: WorkloadSizes): Promise<Metrics> {
  const env = await open();
  stepTimes.length = 0;
  const t0 = nowMs();
  const id = await env.client.scheduleNewWorkflow(long, sizes.w4Steps);
  await env.runtime.service.waitForCompletion(id, 600_000);
  const totalMs = nowMs() - t0;
  await env.close();
  const window = sizes.w4Window;
  const perStep = (from: number) => (stepTimes[from + window - 1]! - stepTimes[from]!) / (window - 1);
  const first = perStep(0);
  const last = perStep(sizes.w4Steps - window);
  return { firstPerStepMs: first, lastPerStepMs: last, lastOverFirst: last / first, totalMs };
}

/**
 * W5. Resident memory is sampled as for the peers, after the allocators had time to settle (here: three full
 * collections a second apart; `npm run bench` exposes gc), once before the first start and once with every
 * instance waiting.
 */
async function w5(sizes: WorkloadSizes): Promise<Metrics> {
  const env = await open({ cacheSize: 100 });
  const sample = async () => {
    // Freed heap pages go back to the OS only after a few collections with the process idle.
    for (let i = 0; i < 3; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    return process.memoryUsage();
  };
  const before = await sample();
  const n = sizes.w5Instances;
  const t0 = nowMs();
  const ids: string[] = [];
  await runPool(n, 100, async () => {
    ids.push(await env.client.scheduleNewWorkflow(waitForEvent));
  });
  await runPool(n, 500, async (i) => {
    await env.runtime.service.waitForStatus(ids[i]!, ["RUNNING"], 600_000);
  });
  const allWaitingMs = nowMs() - t0;
  const waiting = await sample();
  const t1 = nowMs();
  await runPool(n, 500, (i) => env.client.raiseEvent(ids[i]!, "go", 1));
  const raiseMs = nowMs() - t1;
  await runPool(n, 500, async (i) => {
    await env.runtime.service.waitForCompletion(ids[i]!, 600_000);
  });
  const completeAllMs = nowMs() - t1;
  await env.close();
  return {
    instances: n,
    allWaitingMs,
    waitingRssMB: waiting.rss / MB,
    rssDeltaBytesPerInstance: (waiting.rss - before.rss) / n,
    heapDeltaBytesPerInstance: (waiting.heapUsed - before.heapUsed) / n,
    raiseMs,
    completeAllMs,
  };
}

async function w6(sizes: WorkloadSizes): Promise<Metrics> {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-bench-http-"));
  const server = await startServer({
    dataDir,
    httpHost: "127.0.0.1",
    httpPort: 0,
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    maxBodyBytes: 4 * MB,
    appModule: join(import.meta.dirname, "workflows.ts"),
  });
  try {
    const storm = await runStartStorm({
      url: `http://127.0.0.1:${server.httpPort}/v1.0/workflows/dapr/sequential/start?instanceID=[<id>]&x=1`,
      connections: sizes.w6Connections,
      durationSec: sizes.w6DurationSec,
      body: String(STEPS_PER_WORKFLOW),
    });
    return {
      startsPerSec: storm.startsPerSec,
      accepted: storm.accepted,
      rejected: storm.rejected,
      errors: storm.errors,
      startLatencyP50Ms: storm.latencyP50Ms,
      startLatencyP99Ms: storm.latencyP99Ms,
    };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const weftInProcess: PeerSystem = {
  system: "weft",
  version: WEFT_VERSION,
  workloads: {
    W1: onSqlite(sequentialLatency),
    W2: onSqlite(sequentialThroughput),
    W3: w3,
    W4: w4,
    W5: w5,
    W6: w6,
  },
};

/** The floor of the commit path: one durable SQLite commit (WAL, synchronous=FULL) of one small row. */
export function commitFloor(samples = 500): Metrics {
  const dir = mkdtempSync(join(tmpdir(), "weft-commit-"));
  const db = new Database(join(dir, "c.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = nowMs();
    db.exec("BEGIN");
    insert.run("x".repeat(200));
    db.exec("COMMIT");
    times.push(nowMs() - t0);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { commitP50Ms: percentile(times, 50), commitP99Ms: percentile(times, 99) };
}
