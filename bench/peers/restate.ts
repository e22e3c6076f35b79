/**
 * Restate 1.7 on the same workloads as Weft. restate-server (the Rust binary shipped in the npm package) runs on a
 * temp data dir with its default durability; the TypeScript SDK endpoint runs in its own Node process; the driver
 * (this process) calls the HTTP ingress, as a Restate user's client would.
 *
 *   node --import tsx bench/peers/restate.ts --workloads W1,W2 [--runs 3] [--out file.jsonl]
 */
import { setTimeout as sleep } from "node:timers/promises";
import { runStartStorm } from "./autocannon.js";
import { isMain, runCli } from "./cli.js";
import { type Metrics, type RunHooks, runWorkloads } from "./harness.js";
import type { HttpClient } from "./http-client.js";
import { ensureInstalled } from "./install.js";
import { MB, nowMs, percentile, rssBytes, runPool, waitUntil } from "./measure.js";
import { type EndpointProcess, startEndpointProcess } from "./restate-endpoint-process.js";
import {
  RESTATE_WAIT_INACTIVITY_TIMEOUT_MS,
  type RestateServer,
  restateBinary,
  startRestateServer,
} from "./restate-server.js";
import { type PeerOptions, type PeerResult, STEPS_PER_WORKFLOW, type WorkloadSizes } from "./types.js";

export const RESTATE_PACKAGES = {
  "@restatedev/restate-server": "1.7.12",
  "@restatedev/restate-sdk": "1.17.2",
};

/** Concurrency of the driver's own calls where the workload does not fix one (starting and raising W5). */
const DRIVER_CONCURRENCY = 50;
const SEQ_RESULT = 1 + STEPS_PER_WORKFLOW;

export async function runRestate(options: PeerOptions & RunHooks): Promise<PeerResult[]> {
  const peer = await ensureInstalled("restate", RESTATE_PACKAGES);
  const version = `${peer.versionOf("@restatedev/restate-server")} (sdk ${peer.versionOf("@restatedev/restate-sdk")})`;
  const server = await startRestateServer(restateBinary(peer.dir));
  let endpoint: EndpointProcess | undefined;
  try {
    endpoint = await startEndpointProcess(peer.dir);
    await server.register(`http://127.0.0.1:${endpoint.port}`);
    // Registration is visible to the ingress a moment later; a first call that succeeds proves the whole path.
    const ingress = server.ingress;
    await waitUntil(
      "the first workflow through the ingress",
      async () => (await ingress.send("POST", "/SeqWf/ready/run", 1)).status === 200,
      30_000,
      250,
    );
    const target: Target = { server, ingress, endpointPid: endpoint.pid };
    return await runWorkloads(
      {
        system: "restate",
        version,
        workloads: {
          W1: (sizes, run) => w1(target, sizes, run),
          W2: (sizes, run) => w2(target, sizes, run),
          W3: (sizes, run) => w3(target, sizes, run),
          W4: (sizes, run) => w4(target, sizes, run),
          W5: (sizes, run) => w5(target, sizes, run),
          W6: (sizes) => w6(target, sizes),
        },
      },
      options,
    );
  } finally {
    await endpoint?.stop();
    await server.stop();
  }
}

interface Target {
  server: RestateServer;
  ingress: HttpClient;
  endpointPid: number;
}

async function runSequential(ingress: HttpClient, key: string): Promise<void> {
  const value = await ingress.postJson<number>(`/SeqWf/${key}/run`, 1);
  if (value !== SEQ_RESULT) throw new Error(`SeqWf ${key} returned ${value}, expected ${SEQ_RESULT}`);
}

async function w1({ ingress }: Target, sizes: WorkloadSizes, run: number): Promise<Metrics> {
  for (let i = 0; i < sizes.w1Warmup; i++) await runSequential(ingress, `w1-warm-${run}-${i}`);
  const latencies: number[] = [];
  for (let i = 0; i < sizes.w1Runs; i++) {
    const start = nowMs();
    await runSequential(ingress, `w1-${run}-${i}`);
    latencies.push(nowMs() - start);
  }
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
  };
}

async function w2({ ingress }: Target, sizes: WorkloadSizes, run: number): Promise<Metrics> {
  const start = nowMs();
  await runPool(sizes.w2Workflows, sizes.w2Concurrency, (i) => runSequential(ingress, `w2-${run}-${i}`));
  const seconds = (nowMs() - start) / 1000;
  return {
    workflowsPerSec: sizes.w2Workflows / seconds,
    stepsPerSec: (sizes.w2Workflows * STEPS_PER_WORKFLOW) / seconds,
    elapsedMs: seconds * 1000,
  };
}

async function w3({ ingress }: Target, sizes: WorkloadSizes, run: number): Promise<Metrics> {
  const expected = (sizes.w3FanOut * (sizes.w3FanOut + 1)) / 2;
  const start = nowMs();
  await runPool(sizes.w3Workflows, sizes.w3Concurrency, async (i) => {
    const sum = await ingress.postJson<number>(`/FanWf/w3-${run}-${i}/run`, sizes.w3FanOut);
    if (sum !== expected) throw new Error(`FanWf returned ${sum}, expected ${expected}`);
  });
  const seconds = (nowMs() - start) / 1000;
  return {
    workflowsPerSec: sizes.w3Workflows / seconds,
    stepsPerSec: (sizes.w3Workflows * sizes.w3FanOut) / seconds,
    elapsedMs: seconds * 1000,
  };
}

async function w4({ ingress }: Target, sizes: WorkloadSizes, run: number): Promise<Metrics> {
  const window = Math.min(sizes.w4Window, Math.floor(sizes.w4Steps / 2));
  const start = nowMs();
  const timing = await ingress.postJson<{ firstWindowMs: number; lastWindowMs: number }>(
    `/LongWf/w4-${run}/run`,
    {
      steps: sizes.w4Steps,
      window,
    },
  );
  const totalMs = nowMs() - start;
  return {
    firstPerStepMs: timing.firstWindowMs / window,
    lastPerStepMs: timing.lastWindowMs / window,
    lastOverFirst: timing.lastWindowMs / timing.firstWindowMs,
    totalMs,
  };
}

async function processRss(target: Target): Promise<{ server: number; endpoint: number }> {
  return { server: await rssBytes(target.server.pid), endpoint: await rssBytes(target.endpointPid) };
}

async function countInvocations(server: RestateServer, where: string): Promise<number> {
  const rows = await server.query<{ n: number }>(`SELECT COUNT(*) AS n FROM sys_invocation WHERE ${where}`);
  return Number(rows[0]?.n ?? 0);
}

async function w5(target: Target, sizes: WorkloadSizes, run: number): Promise<Metrics> {
  const { server, ingress } = target;
  const n = sizes.w5Instances;
  const key = (i: number) => `w5-${run}-${i}`;
  const before = await processRss(target);

  const startedAt = nowMs();
  await runPool(n, DRIVER_CONCURRENCY, async (i) => {
    const res = await ingress.send("POST", `/WaitWf/${key(i)}/run/send`, 1);
    if (res.status !== 202 && res.status !== 200) throw new Error(`send -> ${res.status}: ${res.body}`);
  });
  const startMs = nowMs() - startedAt;
  const waitingFilter = `target_service_name = 'WaitWf' AND status = 'suspended' AND target_service_key LIKE 'w5-${run}-%'`;
  await waitUntil(
    "all W5 instances suspended",
    async () => (await countInvocations(server, waitingFilter)) >= n,
    600_000,
    500,
  );
  const allWaitingMs = nowMs() - startedAt;
  await sleep(2_000); // let allocators settle before sampling resident memory
  const waiting = await processRss(target);

  const raisedAt = nowMs();
  await runPool(n, DRIVER_CONCURRENCY, async (i) => {
    await ingress.postJson(`/WaitWf/${key(i)}/signal`, 1);
  });
  const raiseMs = nowMs() - raisedAt;
  await runPool(n, DRIVER_CONCURRENCY, async (i) => {
    const res = await ingress.send("GET", `/restate/workflow/WaitWf/${key(i)}/attach`);
    if (res.status !== 200 || JSON.parse(res.body) !== 2)
      throw new Error(`attach ${key(i)} -> ${res.status}: ${res.body}`);
  });
  const completeMs = nowMs() - raisedAt;

  const total = waiting.server + waiting.endpoint;
  return {
    instances: n,
    inactivityTimeoutMs: RESTATE_WAIT_INACTIVITY_TIMEOUT_MS,
    startMs,
    allWaitingMs,
    waitingRssMB: total / MB,
    serverRssMB: waiting.server / MB,
    endpointRssMB: waiting.endpoint / MB,
    rssDeltaBytesPerInstance: (total - before.server - before.endpoint) / n,
    raiseMs,
    completeAllMs: completeMs,
  };
}

async function w6(target: Target, sizes: WorkloadSizes): Promise<Metrics> {
  const { server, ingress } = target;
  const storm = await runStartStorm({
    url: `${ingress.baseUrl}/SeqWf/[<id>]/run/send`,
    connections: sizes.w6Connections,
    durationSec: sizes.w6DurationSec,
    body: "1",
  });
  // The started workflows still run after the storm; wait for them so the next workload starts on a quiet system.
  const drainStart = nowMs();
  await waitUntil(
    "W6 workflows to finish",
    async () =>
      (await countInvocations(server, "target_service_name = 'SeqWf' AND status <> 'completed'")) === 0,
    600_000,
    500,
  );
  return {
    startsPerSec: storm.startsPerSec,
    accepted: storm.accepted,
    rejected: storm.rejected,
    errors: storm.errors,
    startLatencyP50Ms: storm.latencyP50Ms,
    startLatencyP99Ms: storm.latencyP99Ms,
    drainMs: nowMs() - drainStart,
  };
}

if (isMain(import.meta.url)) {
  runCli(runRestate).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
