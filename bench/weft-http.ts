/**
 * Weft over its HTTP API, as a client of `weft run` would use it: W1 and W2 on a server in this process (SQLite
 * store, the bench workflows as its app), started with Dapr's start route and awaited with Weft's blocking status
 * route (`GET /weft/v1/instances/<id>?wait=`). Every workflow's output is checked.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WEFT_VERSION } from "../src/cli/version.js";
import { startServer } from "../src/server.js";
import type { Metrics, PeerSystem } from "./peers/harness.js";
import { HttpClient } from "./peers/http-client.js";
import { MB, nowMs, percentile, runPool } from "./peers/measure.js";
import { STEPS_PER_WORKFLOW, type WorkloadSizes } from "./peers/types.js";

/** The bench's `sequential` workflow counts from 0, one per step. */
const EXPECTED_OUTPUT = String(STEPS_PER_WORKFLOW);

async function withServer<T>(work: (http: HttpClient) => Promise<T>): Promise<T> {
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
  const http = new HttpClient(`http://127.0.0.1:${server.httpPort}`);
  try {
    return await work(http);
  } finally {
    http.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Starts one 10-step workflow and waits for its end over HTTP; fails unless it completed with the right output. */
async function runOne(http: HttpClient): Promise<void> {
  const id = randomUUID();
  const started = await http.send(
    "POST",
    `/v1.0/workflows/dapr/sequential/start?instanceID=${id}`,
    STEPS_PER_WORKFLOW,
  );
  if (started.status !== 202) throw new Error(`start ${id} -> ${started.status}: ${started.body}`);
  for (;;) {
    const res = await http.send("GET", `/weft/v1/instances/${id}?wait=60`);
    if (res.status === 202) continue;
    const body = JSON.parse(res.body) as { runtimeStatus?: string; properties?: Record<string, string> };
    const output = body.properties?.["dapr.workflow.output"];
    if (res.status !== 200 || body.runtimeStatus !== "COMPLETED" || output !== EXPECTED_OUTPUT) {
      throw new Error(`workflow ${id} ended ${res.status} ${body.runtimeStatus} with ${output}`);
    }
    return;
  }
}

async function w1(sizes: WorkloadSizes): Promise<Metrics> {
  return withServer(async (http) => {
    const latencies: number[] = [];
    for (let i = 0; i < sizes.w1Warmup + sizes.w1Runs; i++) {
      const t0 = nowMs();
      await runOne(http);
      if (i >= sizes.w1Warmup) latencies.push(nowMs() - t0);
    }
    return {
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    };
  });
}

async function w2(sizes: WorkloadSizes): Promise<Metrics> {
  return withServer(async (http) => {
    const t0 = nowMs();
    await runPool(sizes.w2Workflows, sizes.w2Concurrency, () => runOne(http));
    const seconds = (nowMs() - t0) / 1000;
    return {
      workflowsPerSec: sizes.w2Workflows / seconds,
      stepsPerSec: (sizes.w2Workflows * STEPS_PER_WORKFLOW) / seconds,
    };
  });
}

export const weftHttp: PeerSystem = {
  system: "weft-http",
  version: WEFT_VERSION,
  workloads: { W1: w1, W2: w2 },
  unsupported: Object.fromEntries(
    (["W3", "W4", "W5"] as const).map((w) => [
      w,
      "measured in process only; over HTTP the bench runs W1, W2",
    ]),
  ),
};
