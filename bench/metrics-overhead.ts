/**
 * `node --expose-gc --import tsx bench/metrics-overhead.ts [rounds]`: W2 (in process, SQLite) with the metrics
 * observer off and on (prom-client fed by the engine's lifecycle facts, scraped every 5 s as Prometheus would,
 * store statistics included), alternating, so that drift of a shared machine hits both alike. Prints each run
 * and the medians; docs/benchmarks.md quotes them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkflowMetrics } from "../src/observability/metrics.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { DEFAULT_SIZES } from "./peers/types.js";
import { openBenchEnv, sequentialThroughput } from "./weft-in-process.js";

const rounds = Number(process.argv[2] ?? 5);

async function w2(withMetrics: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "weft-bench-metrics-"));
  const store = new SqliteStore({ path: join(dir, "weft.db") });
  const metrics = withMetrics
    ? new WorkflowMetrics({ statistics: (now) => store.statistics(now) })
    : undefined;
  const env = await openBenchEnv(store, { observe: metrics?.observe }, () =>
    rmSync(dir, { recursive: true, force: true }),
  );
  const scrape = metrics ? setInterval(() => void metrics.text(), 5_000) : undefined;
  try {
    const result = await sequentialThroughput(env, DEFAULT_SIZES);
    return result.workflowsPerSec!;
  } finally {
    clearInterval(scrape);
    await env.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const off: number[] = [];
const on: number[] = [];
await w2(false); // warm-up, not counted
for (let i = 0; i < rounds; i++) {
  const first = i % 2 === 0;
  for (const withMetrics of first ? [false, true] : [true, false]) {
    global.gc?.();
    const rate = await w2(withMetrics);
    (withMetrics ? on : off).push(rate);
    console.log(`W2 metrics ${withMetrics ? "on " : "off"}: ${rate.toFixed(0)} workflows/s`);
  }
}
const [a, b] = [median(off), median(on)];
console.log(
  `medians of ${rounds}: off ${a.toFixed(0)}, on ${b.toFixed(0)} workflows/s (${(((b - a) / a) * 100).toFixed(1)}%)`,
);
console.log(`off: ${off.map((v) => v.toFixed(0)).join(", ")}; on: ${on.map((v) => v.toFixed(0)).join(", ")}`);
