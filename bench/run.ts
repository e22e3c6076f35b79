/**
 * `npm run bench`: Weft's workloads in process on SQLite, over HTTP and through gRPC, and on PostgreSQL with one and
 * three nodes (and with `--peers` Restate's and DBOS's, same workloads, same run), a table with Weft/peer ratios,
 * bench/results/latest.json and docs/benchmarks.md. Systems alternate round by round: each round runs every system
 * once (starting one system later than the round before), and each figure is the median over the rounds, so a
 * noisy stretch of a shared machine does not fall on one system only. Every system checks every workflow's output.
 * `--no-http`, `--no-grpc` and `--no-postgres` leave those paths out; `--save <file>` writes the results to that
 * file instead, leaving latest.json and the docs as they are (for a partial run, e.g. `--workloads W1,W2`).
 */
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { weftGrpc } from "./grpc.js";
import { type Metrics, medians, type PeerSystem, type RunHooks, runWorkloads } from "./peers/harness.js";
import {
  isWorkloadId,
  type PeerOptions,
  type PeerResult,
  WORKLOADS,
  type WorkloadId,
} from "./peers/types.js";
import { renderMarkdown, renderTable } from "./report.js";
import { weftHttp } from "./weft-http.js";
import { commitFloor, weftInProcess } from "./weft-in-process.js";

const { values } = parseArgs({
  options: {
    peers: { type: "boolean", default: false },
    workloads: { type: "string", default: WORKLOADS.join(",") },
    runs: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    "no-http": { type: "boolean", default: false },
    "no-grpc": { type: "boolean", default: false },
    "no-postgres": { type: "boolean", default: false },
    save: { type: "string" },
  },
});
const workloads = values.workloads.split(",").filter(isWorkloadId) as WorkloadId[];
const runs = Number(values.runs);
const sizes = values.quick
  ? { w1Runs: 50, w2Workflows: 200, w3Workflows: 20, w4Steps: 2000, w5Instances: 1000, w6DurationSec: 3 }
  : {};
const progress = (r: PeerResult) =>
  console.error(`${r.system} ${r.workload}: ${JSON.stringify(r.metrics)}${r.error ? ` (${r.error})` : ""}`);

type Run = (options: PeerOptions & RunHooks) => Promise<PeerResult[]>;
/** A system of the run: what it runs of the requested workloads. */
const local =
  (system: PeerSystem, only?: readonly WorkloadId[]): Run =>
  (options) =>
    runWorkloads(system, {
      ...options,
      workloads: options.workloads.filter((w) => !only || only.includes(w)),
    });
const systems: Run[] = [local(weftInProcess)];
if (!values["no-http"]) systems.push(local(weftHttp, ["W1", "W2"]));
if (!values["no-grpc"]) systems.push(local(weftGrpc, ["W1", "W2"]));
if (!values["no-postgres"]) {
  const { runWeftPostgres } = await import("./weft-postgres.js");
  for (const nodes of [1, 3]) systems.push((options) => runWeftPostgres(nodes, options));
}
if (values.peers) {
  const { runRestate } = await import("./peers/restate.js");
  const { runDbos } = await import("./peers/dbos.js");
  systems.push(runRestate, runDbos);
}

/** Each system's results per workload, one per round. */
const rounds = new Map<string, PeerResult[]>();
for (let round = 0; round < runs; round++) {
  console.error(`[bench] round ${round + 1} of ${runs}`);
  for (let i = 0; i < systems.length; i++) {
    const run = systems[(i + round) % systems.length]!;
    for (const result of await run({ workloads, runs: 1, sizes, firstRun: round, onResult: progress })) {
      const key = `${result.system} ${result.workload}`;
      rounds.set(key, [...(rounds.get(key) ?? []), result]);
    }
  }
}
const results: PeerResult[] = [...rounds.values()].map((all) => {
  const measured = all.filter((r) => r.error === undefined).map((r) => r.metrics as Metrics);
  const error = all.find((r) => r.error !== undefined)?.error;
  return { ...all[0]!, metrics: medians(measured), ...(error === undefined ? {} : { error }) };
});
const floor = commitFloor();

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  kernel: execSync("uname -sr").toString().trim(),
  date: new Date().toISOString(),
  runs,
  quick: values.quick,
};
const report = { machine, commitFloor: floor, results };
console.log(renderTable(report));
const dir = join(import.meta.dirname, "results");
mkdirSync(dir, { recursive: true });
if (values.save) {
  writeFileSync(values.save, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${values.save}`);
} else {
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(import.meta.dirname, "..", "docs", "benchmarks.md"), renderMarkdown(report));
  console.error("wrote bench/results/latest.json and docs/benchmarks.md");
}
