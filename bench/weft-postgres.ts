/**
 * Weft on the PostgreSQL store (issue 6): W1 and W2 with one engine node (this process) and with three (this
 * process and two `bench/postgres-node.ts` processes on the same database), on the same server DBOS uses.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { WEFT_VERSION } from "../src/cli/version.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { createBenchDatabase } from "./peers/dbos-database.js";
import type { PeerSystem } from "./peers/harness.js";
import type { WorkloadSizes } from "./peers/types.js";
import { type BenchEnv, openBenchEnv, sequentialLatency, sequentialThroughput } from "./weft-in-process.js";

/** Starts one more engine node on `url` and resolves once it is working. */
async function startNode(url: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "postgres-node.ts"), url],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => line === "ready" && resolve());
    child.once("exit", (code) => reject(new Error(`a bench node exited with ${code} before it was ready`)));
  });
  await ready;
  return child;
}

async function withCluster<T>(nodes: number, body: (env: BenchEnv) => Promise<T>): Promise<T> {
  const database = await createBenchDatabase("weft_bench");
  const others: ChildProcess[] = [];
  try {
    const store = await PostgresStore.open({ url: database.url });
    const env = await openBenchEnv(store);
    try {
      for (let i = 1; i < nodes; i++) others.push(await startNode(database.url));
      return await body(env);
    } finally {
      for (const child of others) child.kill("SIGTERM");
      await Promise.all(others.map((child) => (child.exitCode === null ? once(child, "exit") : undefined)));
      await env.close();
    }
  } finally {
    await database.drop();
  }
}

function system(nodes: number): PeerSystem {
  const run =
    (workload: (env: BenchEnv, sizes: WorkloadSizes) => Promise<Record<string, number>>) =>
    (sizes: WorkloadSizes) =>
      withCluster(nodes, (env) => workload(env, sizes));
  return {
    system: nodes === 1 ? "weft-pg" : `weft-pg-${nodes}nodes`,
    version: WEFT_VERSION,
    workloads: {
      W1: run(sequentialLatency),
      W2: async (sizes) => {
        const metrics = await run(sequentialThroughput)(sizes);
        if (nodes > 1) {
          // The commit count is this process's alone; the other nodes commit their share elsewhere.
          delete metrics.commits;
          delete metrics.stepsPerCommit;
        }
        return metrics;
      },
    },
    unsupported: Object.fromEntries(
      (["W3", "W4", "W5", "W6"] as const).map((w) => [w, "the PostgreSQL store is measured on W1 and W2"]),
    ),
  };
}

export const weftPostgres = system(1);
export const weftPostgresCluster = system(3);
