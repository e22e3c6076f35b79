/**
 * DBOS 5.3 on the same workloads as Weft. DBOS is a library: workflows run inside this Node process and
 * checkpoint every step to PostgreSQL (a fresh database per run, server defaults: fsync and synchronous_commit on).
 *
 *   node --import tsx bench/peers/dbos.ts --workloads W1,W2 [--runs 3] [--out file.jsonl]
 */
import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { runStartStorm } from "./autocannon.js";
import { isMain, runCli } from "./cli.js";
import {
  type DbosApi,
  type DbosWorkflows,
  registerDbosWorkflows,
  stderrLogger,
  WAIT_TOPIC,
} from "./dbos-app.js";
import { createBenchDatabase, durabilitySettings } from "./dbos-database.js";
import { type Metrics, type RunHooks, runWorkloads } from "./harness.js";
import { ensureInstalled } from "./install.js";
import { MB, nowMs, percentile, pssBytesOf, runPool, waitUntil } from "./measure.js";
import { type PeerOptions, type PeerResult, STEPS_PER_WORKFLOW, type WorkloadSizes } from "./types.js";

export const DBOS_PACKAGES = { "@dbos-inc/dbos-sdk": "5.3.0" };

/** Concurrency of the driver's own calls where the workload does not fix one (starting and raising W5). */
const DRIVER_CONCURRENCY = 50;
const SEQ_RESULT = 1 + STEPS_PER_WORKFLOW;

/** DBOS keeps one registry per process, and registration must precede launch: register once, reuse after. */
let registered: DbosWorkflows | undefined;

export async function runDbos(options: PeerOptions & RunHooks): Promise<PeerResult[]> {
  const peer = await ensureInstalled("dbos", DBOS_PACKAGES);
  const { DBOS } = peer.load<{ DBOS: DbosApi }>("@dbos-inc/dbos-sdk");
  registered ??= registerDbosWorkflows(DBOS);
  const workflows = registered;
  const db = await createBenchDatabase();
  try {
    const durability = await durabilitySettings(db.url);
    if (!durability.fsync || !durability.synchronousCommit) {
      console.error(
        "[dbos] warning: PostgreSQL runs without fsync or synchronous_commit; figures are not durable",
      );
    }
    DBOS.setConfig({ name: "weft-bench", systemDatabaseUrl: db.url, logger: stderrLogger });
    await DBOS.launch();
    try {
      return await runWorkloads(
        {
          system: "dbos",
          version: peer.versionOf("@dbos-inc/dbos-sdk"),
          workloads: {
            W1: (sizes) => w1(workflows, sizes),
            W2: (sizes) => w2(workflows, sizes),
            W3: (sizes) => w3(workflows, sizes),
            W4: (sizes) => w4(workflows, sizes),
            W5: (sizes, run) => w5(DBOS, workflows, sizes, run),
            W6: (sizes, run) => w6(DBOS, workflows, sizes, run),
          },
        },
        options,
      );
    } finally {
      await DBOS.shutdown();
    }
  } finally {
    await db.drop();
  }
}

async function runSequential(workflows: DbosWorkflows): Promise<void> {
  const { sequential } = workflows; // called unbound: DBOS treats a call with `this` as an instance method
  const value = await sequential(1);
  if (value !== SEQ_RESULT) throw new Error(`sequential returned ${value}, expected ${SEQ_RESULT}`);
}

async function w1(workflows: DbosWorkflows, sizes: WorkloadSizes): Promise<Metrics> {
  for (let i = 0; i < sizes.w1Warmup; i++) await runSequential(workflows);
  const latencies: number[] = [];
  for (let i = 0; i < sizes.w1Runs; i++) {
    const start = nowMs();
    await runSequential(workflows);
    latencies.push(nowMs() - start);
  }
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
  };
}

async function w2(workflows: DbosWorkflows, sizes: WorkloadSizes): Promise<Metrics> {
  const start = nowMs();
  await runPool(sizes.w2Workflows, sizes.w2Concurrency, () => runSequential(workflows));
  const seconds = (nowMs() - start) / 1000;
  return {
    workflowsPerSec: sizes.w2Workflows / seconds,
    stepsPerSec: (sizes.w2Workflows * STEPS_PER_WORKFLOW) / seconds,
    elapsedMs: seconds * 1000,
  };
}

async function w3(workflows: DbosWorkflows, sizes: WorkloadSizes): Promise<Metrics> {
  const expected = (sizes.w3FanOut * (sizes.w3FanOut + 1)) / 2;
  const { fanOut } = workflows;
  const start = nowMs();
  await runPool(sizes.w3Workflows, sizes.w3Concurrency, async () => {
    const sum = await fanOut(sizes.w3FanOut);
    if (sum !== expected) throw new Error(`fanOut returned ${sum}, expected ${expected}`);
  });
  const seconds = (nowMs() - start) / 1000;
  return {
    workflowsPerSec: sizes.w3Workflows / seconds,
    stepsPerSec: (sizes.w3Workflows * sizes.w3FanOut) / seconds,
    elapsedMs: seconds * 1000,
  };
}

async function w4(workflows: DbosWorkflows, sizes: WorkloadSizes): Promise<Metrics> {
  const window = Math.min(sizes.w4Window, Math.floor(sizes.w4Steps / 2));
  const { long } = workflows;
  const start = nowMs();
  const timing = await long({ steps: sizes.w4Steps, window });
  return {
    firstPerStepMs: timing.firstWindowMs / window,
    lastPerStepMs: timing.lastWindowMs / window,
    lastOverFirst: timing.lastWindowMs / timing.firstWindowMs,
    totalMs: nowMs() - start,
  };
}

async function w5(
  DBOS: DbosApi,
  workflows: DbosWorkflows,
  sizes: WorkloadSizes,
  run: number,
): Promise<Metrics> {
  const n = sizes.w5Instances;
  const key = (i: number) => `w5-${run}-${i}`;
  const alreadyWaiting = workflows.waitingCount();
  const rssBefore = process.memoryUsage().rss;
  const pgBefore = await pssBytesOf("postgres");

  const startedAt = nowMs();
  const results: Promise<number>[] = new Array(n);
  await runPool(n, DRIVER_CONCURRENCY, async (i) => {
    const handle = await DBOS.startWorkflow(workflows.waitForEvent, { workflowID: key(i) })(1);
    results[i] = handle.getResult();
  });
  const startMs = nowMs() - startedAt;
  await waitUntil(
    "all W5 instances in DBOS.recv",
    async () => workflows.waitingCount() - alreadyWaiting >= n,
    600_000,
  );
  const allWaitingMs = nowMs() - startedAt;
  await sleep(2_000); // let allocators settle before sampling resident memory
  const rssWaiting = process.memoryUsage().rss;
  const pgWaiting = await pssBytesOf("postgres");

  const raisedAt = nowMs();
  await runPool(n, DRIVER_CONCURRENCY, (i) => DBOS.send(key(i), 1, WAIT_TOPIC));
  const raiseMs = nowMs() - raisedAt;
  const values = await Promise.all(results);
  const completeMs = nowMs() - raisedAt;
  const wrong = values.filter((v) => v !== 2).length;
  if (wrong > 0) throw new Error(`${wrong} W5 instances returned a wrong value`);

  return {
    instances: n,
    startMs,
    allWaitingMs,
    waitingRssMB: rssWaiting / MB,
    rssDeltaBytesPerInstance: (rssWaiting - rssBefore) / n,
    postgresPssMB: pgWaiting / MB,
    postgresPssDeltaBytesPerInstance: (pgWaiting - pgBefore) / n,
    raiseMs,
    completeAllMs: completeMs,
  };
}

/**
 * DBOS 5 ships no HTTP API for starting workflows (its admin server was removed in 5.x): an application exposes
 * its own route. W6 measures the thinnest such route, node:http calling DBOS.startWorkflow, and says so in its
 * metrics (builtInHttpStartApi: 0).
 */
async function w6(
  DBOS: DbosApi,
  workflows: DbosWorkflows,
  sizes: WorkloadSizes,
  run: number,
): Promise<Metrics> {
  const pending: Promise<number>[] = [];
  let inFlight = 0;
  const server = createServer((req, res) => {
    const match = /^\/sequential\/([A-Za-z0-9_-]+)\/start$/.exec(req.url ?? "");
    req.resume();
    if (req.method !== "POST" || !match) {
      res.writeHead(404).end();
      return;
    }
    const workflowID = `w6-${run}-${match[1]}`;
    inFlight++;
    DBOS.startWorkflow(workflows.sequential, { workflowID })(1)
      .then(
        (handle) => {
          pending.push(handle.getResult());
          res
            .writeHead(202, { "content-type": "application/json" })
            .end(JSON.stringify({ instanceID: workflowID }));
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      )
      .finally(() => inFlight--);
  });
  const port = await listen(server);
  try {
    const storm = await runStartStorm({
      url: `http://127.0.0.1:${port}/sequential/[<id>]/start`,
      connections: sizes.w6Connections,
      durationSec: sizes.w6DurationSec,
      body: "1",
    });
    const drainStart = nowMs();
    // Starts still in flight when autocannon stopped add to `pending` later: wait for them before joining it.
    await waitUntil("W6 starts in flight", async () => inFlight === 0, 60_000, 50);
    await Promise.all(pending);
    return {
      builtInHttpStartApi: 0,
      startsPerSec: storm.startsPerSec,
      accepted: storm.accepted,
      rejected: storm.rejected,
      errors: storm.errors,
      startLatencyP50Ms: storm.latencyP50Ms,
      startLatencyP99Ms: storm.latencyP99Ms,
      drainMs: nowMs() - drainStart,
    };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

if (isMain(import.meta.url)) {
  runCli(runDbos).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
