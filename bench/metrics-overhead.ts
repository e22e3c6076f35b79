/**
 * `node --expose-gc --import tsx bench/metrics-overhead.ts [rounds]`: W2 (in process, SQLite) with nothing
 * observing, with metrics (prom-client fed by the engine's lifecycle facts, scraped every 5 s as Prometheus would,
 * store statistics included; prom-client's process metrics left out, as their event-loop and GC monitors cannot
 * be stopped and would pile up over the runs of one process), and with metrics and traces (OTLP over HTTP, batched, to a local sink that accepts
 * and drops them, standing in for a collector), in rotating order so that drift of a shared machine hits all
 * alike. Prints each run and the medians; docs/benchmarks.md quotes them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { observeAll } from "../src/engine/lifecycle.js";
import { WorkflowMetrics } from "../src/observability/metrics.js";
import { tracingFromEnv } from "../src/observability/tracing.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { DEFAULT_SIZES } from "./peers/types.js";
import { openBenchEnv, sequentialThroughput } from "./weft-in-process.js";

const rounds = Number(process.argv[2] ?? 5);
type Mode = "off" | "metrics" | "metrics+traces";
const MODES: Mode[] = ["off", "metrics", "metrics+traces"];

const sink = createServer((request, response) => {
  request.resume();
  request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end("{}"));
});
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

async function w2(mode: Mode): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "weft-bench-metrics-"));
  const store = new SqliteStore({ path: join(dir, "weft.db") });
  const metrics =
    mode === "off"
      ? undefined
      : new WorkflowMetrics({ statistics: (now) => store.statistics(now), processMetrics: false });
  const tracing = mode === "metrics+traces" ? tracingFromEnv() : undefined;
  const observe = observeAll([metrics?.observe, tracing?.observe].filter((o) => o !== undefined));
  const env = await openBenchEnv(store, { observe }, () => rmSync(dir, { recursive: true, force: true }));
  const scrape = metrics ? setInterval(() => void metrics.text(), 5_000) : undefined;
  try {
    const result = await sequentialThroughput(env, DEFAULT_SIZES);
    return result.workflowsPerSec!;
  } finally {
    clearInterval(scrape);
    await env.close();
    await tracing?.shutdown();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rates = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
await w2("off"); // warm-up, not counted
for (let i = 0; i < rounds; i++) {
  const order = [...MODES.slice(i % MODES.length), ...MODES.slice(0, i % MODES.length)];
  for (const mode of order) {
    global.gc?.();
    const rate = await w2(mode);
    rates.get(mode)!.push(rate);
    console.log(`W2 ${mode}: ${rate.toFixed(0)} workflows/s`);
  }
}
const base = median(rates.get("off")!);
for (const mode of MODES) {
  const m = median(rates.get(mode)!);
  const runs = rates
    .get(mode)!
    .map((v) => v.toFixed(0))
    .join(", ");
  console.log(
    `${mode}: median ${m.toFixed(0)} workflows/s (${(((m - base) / base) * 100).toFixed(1)}%); runs ${runs}`,
  );
}
sink.close();
