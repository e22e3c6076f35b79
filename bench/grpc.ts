/**
 * The gRPC path: a sidecar process serving the Durable Task protocol, and an app using one of Dapr's JS SDKs
 * (@dapr/dapr 3.18's WorkflowRuntime and DaprWorkflowClient, or @dapr/durabletask-js 1.0.0's worker and client), as
 * a Dapr app talks to its sidecar. The sidecar is `weft run`, or the in-memory double of bench/sidecar-double.ts
 * that answers every work item at once: the floor, what the SDK alone costs. Workloads W1 (10-step latency, one at
 * a time) and W2 (1,000 x 10-step workflows at 50 concurrent). With `--workers N` the workers run in N processes of
 * their own and this process only runs the client.
 *
 * With `--pin` (Linux, `taskset`) the app's processes run on the first half of the cores and the sidecar on the
 * other half, so the two never wait for each other's core: what the sidecar costs the app apart from sharing cores.
 *
 *   node --import tsx bench/grpc.ts [--runs 200] [--workflows 1000] [--concurrency 50] [--sdk durabletask-js]
 *     [--sidecar weft|double] [--workers N] [--pin]
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { WEFT_VERSION } from "../src/version.js";
import { startWeft } from "../test/conformance/harness/weft-process.js";
import { startProfile, stopProfile } from "./cpu-profile.js";
import {
  type GrpcSdk,
  type SdkClient,
  type Stoppable,
  silenceSdkChatter,
  startClient,
  startWorker,
} from "./grpc-apps.js";
import type { PeerSystem } from "./peers/harness.js";
import { cpuMsOf, nowMs, percentile, round, runPool } from "./peers/measure.js";
import { DEFAULT_SIZES, STEPS_PER_WORKFLOW } from "./peers/types.js";

export type { GrpcSdk } from "./grpc-apps.js";

export interface GrpcBenchSizes {
  w1Warmup: number;
  w1Runs: number;
  w2Workflows: number;
  w2Concurrency: number;
}

export interface GrpcBenchOptions {
  sdk?: GrpcSdk;
  /** `weft run`, or the in-memory double (the floor). */
  sidecar?: "weft" | "double";
  /** 0: the worker runs in this process, beside the client. N > 0: in N worker processes. */
  workers?: number;
  /** Writes CPU profiles of W2 into this folder: the sidecar's, the worker processes', and this process's. */
  profileDir?: string;
  /** The app's processes on the first half of the cores, the sidecar on the other half. */
  pin?: boolean;
}

export interface GrpcBenchResult {
  w1: { p50Ms: number; p99Ms: number; meanMs: number; runs: number };
  w2: {
    workflowsPerSec: number;
    stepsPerSec: number;
    seconds: number;
    workflows: number;
    concurrency: number;
    /** CPU per work item (a turn or an activity) of the app's processes (SDK workers and client) and of the sidecar. */
    appCpuMsPerItem: number;
    weftCpuMsPerItem: number;
    /** Of the sidecar's: its main thread (gRPC, engine), and its other threads (Weft's SQLite writer, V8's GC). */
    sidecarMainThreadCpuMsPerItem: number;
    sidecarOtherThreadsCpuMsPerItem: number;
  };
}

const ROOT = resolve(import.meta.dirname, "..");

interface SidecarProcess {
  address: string;
  pid: number;
  stop(): Promise<void>;
}

/** Spawns `node --import tsx <script> ...args` and resolves once it prints a line containing `ready`. */
async function spawnReady(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; line: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const line = await new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      if (l.includes("ready")) done(l);
    });
    void exited.then(() => fail(new Error(`${args.join(" ")} exited before it was ready`)));
  });
  return {
    child,
    line,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The environment that makes a child process profile itself between two SIGUSR2 (bench/cpu-profile.ts). */
function profiledEnv(dir: string | undefined): Record<string, string> | undefined {
  if (!dir) return undefined;
  return {
    NODE_OPTIONS: `--import tsx --import ${resolve(ROOT, "bench/cpu-profile.ts")}`,
    WEFT_CPU_PROF_DIR: resolve(dir),
  };
}

async function startSidecar(options: GrpcBenchOptions): Promise<SidecarProcess> {
  const env = profiledEnv(options.profileDir);
  if (options.sidecar === "double") {
    const { child, line, stop } = await spawnReady(["bench/sidecar-double.ts"], env);
    const { grpcPort } = JSON.parse(line) as { grpcPort: number };
    return { address: `127.0.0.1:${grpcPort}`, pid: child.pid!, stop };
  }
  return startWeft({ env });
}

interface App {
  client: SdkClient;
  /** The worker processes' ids (none when the worker runs in this process). */
  pids: number[];
  stop(): Promise<void>;
}

async function startApp(sdk: GrpcSdk, address: string, workers: number, profileDir?: string): Promise<App> {
  const stoppers: Stoppable[] = [];
  const pids: number[] = [];
  if (workers === 0) stoppers.push(await startWorker(sdk, address));
  for (let i = 0; i < workers; i++) {
    const worker = await spawnReady(["bench/grpc-worker.ts", sdk, address], profiledEnv(profileDir));
    pids.push(worker.child.pid!);
    stoppers.push(worker);
  }
  const client = startClient(sdk, address);
  return {
    client,
    pids,
    async stop() {
      await client.stop();
      await Promise.all(stoppers.map((s) => s.stop()));
    },
  };
}

/** All the machine's cores: availableParallelism() counts only those this process may use. */
const CORES = cpus().length;
const coreRange = (from: number, to: number) => (from === to - 1 ? `${from}` : `${from}-${to - 1}`);
const setCores = (list: string, pid: number) =>
  execFileSync("taskset", ["-a", "-p", "-c", list, String(pid)]);

/** Pins the app's processes (this one and its worker processes) and the sidecar to separate halves of the cores. */
function pin(appPids: readonly number[], sidecarPid: number): void {
  if (CORES < 2) throw new Error("--pin needs at least two cores");
  const half = Math.floor(CORES / 2);
  for (const pid of appPids) setCores(coreRange(0, half), pid);
  setCores(coreRange(half, CORES), sidecarPid);
}

/** Gives this process all cores back after a pinned run (later runs in it, and their children, would inherit). */
function useAllCores(): void {
  setCores(coreRange(0, CORES), process.pid);
}

async function appCpuMs(pids: readonly number[]): Promise<number> {
  const own = process.cpuUsage();
  let total = (own.user + own.system) / 1000;
  for (const pid of pids) total += await cpuMsOf(pid);
  return total;
}

export async function runGrpcBench(
  sizes: GrpcBenchSizes,
  options: GrpcBenchOptions = {},
): Promise<GrpcBenchResult> {
  const sdk = options.sdk ?? "dapr";
  const restoreConsole = silenceSdkChatter();
  const sidecar = await startSidecar(options);
  const app = await startApp(sdk, sidecar.address, options.workers ?? 0, options.profileDir);
  let pinned = false;
  const profiled = [sidecar.pid, ...app.pids];
  const toggleProfiles = () => {
    for (const pid of profiled) process.kill(pid, "SIGUSR2");
  };
  const runOne = () => app.client.runOne();
  try {
    if (options.pin) {
      pinned = true;
      pin([process.pid, ...app.pids], sidecar.pid);
    }
    const latencies: number[] = [];
    for (let i = 0; i < sizes.w1Warmup + sizes.w1Runs; i++) {
      const t0 = nowMs();
      await runOne();
      if (i >= sizes.w1Warmup) latencies.push(nowMs() - t0);
    }
    const profileDir = options.profileDir;
    if (profileDir) {
      toggleProfiles();
      startProfile();
    }
    const t0 = nowMs();
    const appCpu = await appCpuMs(app.pids);
    const sidecarCpu = await cpuMsOf(sidecar.pid);
    const sidecarMainCpu = await cpuMsOf(sidecar.pid, sidecar.pid);
    await runPool(sizes.w2Workflows, sizes.w2Concurrency, runOne);
    const seconds = (nowMs() - t0) / 1000;
    if (profileDir) {
      toggleProfiles();
      stopProfile(resolve(profileDir, `${process.pid}.cpuprofile`));
      await sleep(1000); // the other processes write theirs
    }
    // Each workflow is 11 turns (start, one per result) and 10 activities.
    const items = Math.max(1, sizes.w2Workflows * (2 * STEPS_PER_WORKFLOW + 1));
    const appCpuMsPerItem = ((await appCpuMs(app.pids)) - appCpu) / items;
    const weftCpuMsPerItem = ((await cpuMsOf(sidecar.pid)) - sidecarCpu) / items;
    const mainCpuMsPerItem = ((await cpuMsOf(sidecar.pid, sidecar.pid)) - sidecarMainCpu) / items;
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
        sidecarMainThreadCpuMsPerItem: round(mainCpuMsPerItem),
        sidecarOtherThreadsCpuMsPerItem: round(weftCpuMsPerItem - mainCpuMsPerItem),
      },
    };
  } finally {
    await app.stop();
    await sidecar.stop();
    restoreConsole();
    if (pinned) useAllCores();
  }
}

/**
 * The gRPC path as systems of `npm run bench`: W1 and W2, each on a fresh sidecar, with @dapr/dapr 3.18's worker
 * (at most 10 work items at once, each holding its slot until its Complete call returns) or @dapr/durabletask-js
 * 1.0.0's (every item at once).
 */
export function grpcSystem(system: string, options: GrpcBenchOptions): PeerSystem {
  return {
    system,
    version: WEFT_VERSION,
    workloads: {
      W1: async (sizes) => (await runGrpcBench({ ...sizes, w2Workflows: 0 }, options)).w1,
      W2: async (sizes) => (await runGrpcBench({ ...sizes, w1Warmup: 0, w1Runs: 0 }, options)).w2,
    },
    unsupported: Object.fromEntries(
      (["W3", "W4", "W5", "W6"] as const).map((w) => [
        w,
        "measured in process only; the gRPC path runs W1 and W2",
      ]),
    ),
  };
}

export const weftGrpc = grpcSystem("weft-grpc", { sdk: "dapr" });
export const weftGrpcDurabletask = grpcSystem("weft-grpc-dtjs", { sdk: "durabletask-js" });

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: String(DEFAULT_SIZES.w1Runs) },
      warmup: { type: "string", default: String(DEFAULT_SIZES.w1Warmup) },
      workflows: { type: "string", default: String(DEFAULT_SIZES.w2Workflows) },
      concurrency: { type: "string", default: String(DEFAULT_SIZES.w2Concurrency) },
      sdk: { type: "string", default: "dapr" },
      sidecar: { type: "string", default: "weft" },
      workers: { type: "string", default: "0" },
      /** Writes CPU profiles of W2 of every process into this folder. */
      "cpu-prof": { type: "string" },
      pin: { type: "boolean", default: false },
    },
  });
  const result = await runGrpcBench(
    {
      w1Warmup: Number(values.warmup),
      w1Runs: Number(values.runs),
      w2Workflows: Number(values.workflows),
      w2Concurrency: Number(values.concurrency),
    },
    {
      sdk: values.sdk === "durabletask-js" ? "durabletask-js" : "dapr",
      sidecar: values.sidecar === "double" ? "double" : "weft",
      workers: Number(values.workers),
      profileDir: values["cpu-prof"],
      pin: values.pin,
    },
  );
  console.log(JSON.stringify(result, null, 2));
}
