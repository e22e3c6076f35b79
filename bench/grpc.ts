/**
 * The gRPC path: a `weft run` process serving the Durable Task protocol, and an app using @dapr/dapr 3.18's
 * WorkflowRuntime (worker) and DaprWorkflowClient in this process, as a Dapr app talks to its sidecar.
 * Workloads W1 (10-step latency, one at a time) and W2 (1,000 x 10-step workflows at 50 concurrent).
 *
 *   node --import tsx bench/grpc.ts [--runs 200] [--workflows 1000] [--concurrency 50] [--sdk durabletask-js]
 */
import { parseArgs } from "node:util";
import { DaprWorkflowClient, LogLevel, type WorkflowContext, WorkflowRuntime } from "@dapr/dapr";
import { type OrchestrationContext, TaskHubGrpcClient, TaskHubGrpcWorker } from "@dapr/durabletask-js";
import { WEFT_VERSION } from "../src/version.js";
import { startWeft } from "../test/conformance/harness/weft-process.js";
import type { PeerSystem } from "./peers/harness.js";
import { cpuMsOf, nowMs, percentile, round, runPool } from "./peers/measure.js";
import { DEFAULT_SIZES, STEPS_PER_WORKFLOW } from "./peers/types.js";

export interface GrpcBenchSizes {
  w1Warmup: number;
  w1Runs: number;
  w2Workflows: number;
  w2Concurrency: number;
}

export interface GrpcBenchResult {
  w1: { p50Ms: number; p99Ms: number; meanMs: number; runs: number };
  w2: {
    workflowsPerSec: number;
    stepsPerSec: number;
    seconds: number;
    workflows: number;
    concurrency: number;
    /** CPU per work item (a turn or an activity) of the app process (SDK worker and client) and of `weft run`. */
    appCpuMsPerItem: number;
    weftCpuMsPerItem: number;
  };
}

const step = (_: unknown, n: number) => n + 1;

// Starts at 1: the SDK drops falsy activity inputs.
async function* sequential(ctx: WorkflowContext, steps: number): AsyncGenerator<unknown, number, number> {
  let n = 1;
  for (let i = 0; i < steps; i++) n = yield ctx.callActivity(step, n);
  return n;
}

/**
 * The SDK logs every work item at info level to the console whatever logger it is given; that would measure the
 * terminal. Its errors still show.
 */
function silenceSdkChatter(): () => void {
  const saved = { log: console.log, info: console.info, warn: console.warn, debug: console.debug };
  const quiet = () => {};
  Object.assign(console, { log: quiet, info: quiet, warn: quiet, debug: quiet });
  return () => Object.assign(console, saved);
}

/** A worker and a client of one SDK, connected to `address`; `runOne` runs one 10-step workflow to its end. */
interface SdkApp {
  runOne(): Promise<void>;
  stop(): Promise<void>;
}

/** Fails unless the workflow completed (status 1) with the output its steps add up to (it counts from 1). */
function checkEnd(id: string, status: number | undefined, output: string | undefined): void {
  if (status !== 1 || output !== String(1 + STEPS_PER_WORKFLOW)) {
    throw new Error(`workflow ${id} ended ${status} with ${output}`);
  }
}

export type GrpcSdk = "dapr" | "durabletask-js";

async function daprApp(address: string): Promise<SdkApp> {
  const [daprHost, daprPort] = address.split(":") as [string, string];
  const options = { daprHost, daprPort, logger: { level: LogLevel.Error } };
  const worker = new WorkflowRuntime(options).registerWorkflow(sequential).registerActivity(step);
  await worker.start();
  const client = new DaprWorkflowClient(options);
  return {
    async runOne() {
      const id = await client.scheduleNewWorkflow(sequential, STEPS_PER_WORKFLOW);
      const state = await client.waitForWorkflowCompletion(id, true, 120);
      checkEnd(id, state?.runtimeStatus, state?.serializedOutput);
    },
    async stop() {
      await client.stop();
      await worker.stop();
    },
  };
}

async function* sequentialDt(
  ctx: OrchestrationContext,
  steps: number,
): AsyncGenerator<unknown, number, number> {
  let n = 1;
  for (let i = 0; i < steps; i++) n = yield ctx.callActivity(step, n);
  return n;
}

async function durabletaskApp(address: string): Promise<SdkApp> {
  const worker = new TaskHubGrpcWorker(address);
  worker.addOrchestrator(sequentialDt);
  worker.addActivity(step);
  await worker.start();
  const client = new TaskHubGrpcClient(address);
  return {
    async runOne() {
      const id = await client.scheduleNewOrchestration(sequentialDt, STEPS_PER_WORKFLOW);
      const state = await client.waitForOrchestrationCompletion(id, true, 120);
      checkEnd(id, state?.runtimeStatus, state?.serializedOutput);
    },
    async stop() {
      await client.stop();
      await worker.stop();
    },
  };
}

export async function runGrpcBench(sizes: GrpcBenchSizes, sdk: GrpcSdk = "dapr"): Promise<GrpcBenchResult> {
  const restoreConsole = silenceSdkChatter();
  const weft = await startWeft();
  const app = await (sdk === "dapr" ? daprApp : durabletaskApp)(weft.address);
  const runOne = () => app.runOne();
  try {
    const latencies: number[] = [];
    for (let i = 0; i < sizes.w1Warmup + sizes.w1Runs; i++) {
      const t0 = nowMs();
      await runOne();
      if (i >= sizes.w1Warmup) latencies.push(nowMs() - t0);
    }
    const t0 = nowMs();
    const appCpu = process.cpuUsage();
    const weftCpu = await cpuMsOf(weft.pid);
    await runPool(sizes.w2Workflows, sizes.w2Concurrency, runOne);
    const seconds = (nowMs() - t0) / 1000;
    const appUsed = process.cpuUsage(appCpu);
    // Each workflow is 11 turns (start, one per result) and 10 activities.
    const items = Math.max(1, sizes.w2Workflows * (2 * STEPS_PER_WORKFLOW + 1));
    const appCpuMsPerItem = (appUsed.user + appUsed.system) / 1000 / items;
    const weftCpuMsPerItem = ((await cpuMsOf(weft.pid)) - weftCpu) / items;
    return {
      w1: {
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
        meanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
        runs: latencies.length,
      },
      w2: {
        workflowsPerSec: round(sizes.w2Workflows / seconds),
        stepsPerSec: round((sizes.w2Workflows * STEPS_PER_WORKFLOW) / seconds),
        seconds: round(seconds),
        workflows: sizes.w2Workflows,
        concurrency: sizes.w2Concurrency,
        appCpuMsPerItem: round(appCpuMsPerItem),
        weftCpuMsPerItem: round(weftCpuMsPerItem),
      },
    };
  } finally {
    await app.stop();
    await weft.stop();
    restoreConsole();
  }
}

/**
 * The gRPC path as systems of `npm run bench`: W1 and W2, each on a fresh `weft run`, with @dapr/dapr 3.18's worker
 * (at most 10 work items at once, each holding its slot until its Complete call returns) and with
 * @dapr/durabletask-js 1.0.0's (every item at once).
 */
function grpcSystem(sdk: GrpcSdk): PeerSystem {
  return {
    system: sdk === "dapr" ? "weft-grpc" : "weft-grpc-dtjs",
    version: WEFT_VERSION,
    workloads: {
      W1: async (sizes) => (await runGrpcBench({ ...sizes, w2Workflows: 0 }, sdk)).w1,
      W2: async (sizes) => (await runGrpcBench({ ...sizes, w1Warmup: 0, w1Runs: 0 }, sdk)).w2,
    },
    unsupported: Object.fromEntries(
      (["W3", "W4", "W5", "W6"] as const).map((w) => [
        w,
        "measured in process only; the gRPC path runs W1 and W2",
      ]),
    ),
  };
}

export const weftGrpc = grpcSystem("dapr");
export const weftGrpcDurabletask = grpcSystem("durabletask-js");

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: String(DEFAULT_SIZES.w1Runs) },
      workflows: { type: "string", default: String(DEFAULT_SIZES.w2Workflows) },
      concurrency: { type: "string", default: String(DEFAULT_SIZES.w2Concurrency) },
      sdk: { type: "string", default: "dapr" },
    },
  });
  const result = await runGrpcBench(
    {
      w1Warmup: DEFAULT_SIZES.w1Warmup,
      w1Runs: Number(values.runs),
      w2Workflows: Number(values.workflows),
      w2Concurrency: Number(values.concurrency),
    },
    values.sdk === "durabletask-js" ? "durabletask-js" : "dapr",
  );
  console.log(JSON.stringify(result, null, 2));
}
