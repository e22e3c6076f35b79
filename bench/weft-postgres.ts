/**
 * Weft on the PostgreSQL store (issue 6): W1 and W2 with one engine node (this process) and with three (this
 * process and two `bench/postgres-node.ts` processes on the same database), on the same server DBOS uses. As with
 * DBOS (bench/peers/dbos.ts), one database and one set of engine processes serve all of a system's runs, so every
 * run after the first meets warmed-up processes on both sides. With three nodes, W2's starts are spread over the
 * nodes in turn, as a load balancer in front of them would; every completion is awaited on this process's node.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { WEFT_VERSION } from "../src/version.js";
import { createBenchDatabase } from "./peers/dbos-database.js";
import { type RunHooks, runWorkloads } from "./peers/harness.js";
import type { PeerOptions, PeerResult } from "./peers/types.js";
import { openBenchEnv, sequentialLatency, sequentialThroughput, startSequential } from "./weft-in-process.js";

interface Node {
  child: ChildProcess;
  /** Starts a W2 workflow on that node; resolves with its id. */
  start(): Promise<string>;
}

/** Starts one more engine node on `url` and resolves once it is working. */
async function startNode(url: string): Promise<Node> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "postgres-node.ts"), url],
    { stdio: ["ignore", "pipe", "inherit", "ipc"] },
  );
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => line === "ready" && resolve());
    child.once("exit", (code) => reject(new Error(`a bench node exited with ${code} before it was ready`)));
  });
  await ready;
  const pending = new Map<number, { resolve: (id: string) => void; reject: (error: Error) => void }>();
  child.on("message", (reply: { start: number; id?: string; error?: string }) => {
    const waiter = pending.get(reply.start);
    pending.delete(reply.start);
    if (reply.id !== undefined) waiter?.resolve(reply.id);
    else waiter?.reject(new Error(`a bench node failed to start a workflow: ${reply.error}`));
  });
  let next = 0;
  return {
    child,
    start: () =>
      new Promise<string>((resolve, reject) => {
        const start = next++;
        pending.set(start, { resolve, reject });
        child.send({ start });
      }),
  };
}

/** Runs W1 and W2 (whichever `options` asks for) on a cluster of `nodes` engine nodes over one fresh database. */
export async function runWeftPostgres(nodes: number, options: PeerOptions & RunHooks): Promise<PeerResult[]> {
  const database = await createBenchDatabase("weft_bench");
  const others: Node[] = [];
  try {
    const env = await openBenchEnv(await PostgresStore.open({ url: database.url }));
    try {
      for (let i = 1; i < nodes; i++) others.push(await startNode(database.url));
      return await runWorkloads(
        {
          system: nodes === 1 ? "weft-pg" : `weft-pg-${nodes}nodes`,
          version: WEFT_VERSION,
          workloads: {
            W1: (sizes) => sequentialLatency(env, sizes),
            W2: async (sizes) => {
              const starters = [() => startSequential(env), ...others.map((node) => node.start)];
              const metrics = await sequentialThroughput(env, sizes, (i) => starters[i % starters.length]!());
              if (nodes > 1) {
                // The commit count is this process's alone; the other nodes commit their share elsewhere.
                delete metrics.commits;
                delete metrics.stepsPerCommit;
              }
              return metrics;
            },
          },
        },
        { ...options, workloads: options.workloads.filter((w) => w === "W1" || w === "W2") },
      );
    } finally {
      for (const { child } of others) child.kill("SIGTERM");
      await Promise.all(
        others.map(({ child }) => (child.exitCode === null ? once(child, "exit") : undefined)),
      );
      await env.close();
    }
  } finally {
    await database.drop();
  }
}
