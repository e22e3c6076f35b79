/**
 * `npm run bench`: Weft's workloads in process on SQLite, through gRPC, and on PostgreSQL with one and three nodes
 * (and with `--peers` Restate's and DBOS's, same workloads, same run), a table with Weft/peer ratios,
 * bench/results/latest.json and docs/benchmarks.md. `--no-grpc` and `--no-postgres` leave those paths out;
 * `--save <file>` writes the results to that file instead, leaving latest.json and the docs as they are (for a
 * partial run, e.g. `--workloads W1,W2`).
 */
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { weftGrpc } from "./grpc.js";
import { runWorkloads } from "./peers/harness.js";
import { isWorkloadId, type PeerResult, WORKLOADS, type WorkloadId } from "./peers/types.js";
import { renderMarkdown, renderTable } from "./report.js";
import { commitFloor, weftInProcess } from "./weft-in-process.js";

const { values } = parseArgs({
  options: {
    peers: { type: "boolean", default: false },
    workloads: { type: "string", default: WORKLOADS.join(",") },
    runs: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
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

const results: PeerResult[] = [];
results.push(...(await runWorkloads(weftInProcess, { workloads, runs, sizes, onResult: progress })));
if (!values["no-grpc"]) {
  const grpcWorkloads = workloads.filter((w) => w in weftGrpc.workloads);
  results.push(
    ...(await runWorkloads(weftGrpc, { workloads: grpcWorkloads, runs, sizes, onResult: progress })),
  );
}
if (!values["no-postgres"]) {
  const { runWeftPostgres } = await import("./weft-postgres.js");
  for (const nodes of [1, 3])
    results.push(...(await runWeftPostgres(nodes, { workloads, runs, sizes, onResult: progress })));
}
if (values.peers) {
  const { runRestate } = await import("./peers/restate.js");
  const { runDbos } = await import("./peers/dbos.js");
  results.push(...(await runRestate({ workloads, runs, sizes, onResult: progress })));
  results.push(...(await runDbos({ workloads, runs, sizes, onResult: progress })));
}
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
