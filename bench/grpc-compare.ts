/**
 * The gRPC path side by side, round by round: each round runs every configuration once (W1 then W2), in turn, so
 * the machine's slow moments fall on all of them alike. Configurations: `weft run` and the in-memory sidecar double
 * (the floor: the SDK's own cost), each with @dapr/dapr's worker, @dapr/durabletask-js's, @dapr/dapr's in two
 * worker processes, and @dapr/durabletask-js's with the app and the sidecar pinned to separate halves of the cores
 * (`--pin` of bench/grpc.ts); and Restate on the same W1 and W2. Prints medians and ratios, and saves every sample.
 *
 *   node --import tsx bench/grpc-compare.ts [--rounds 3] [--w1 100] [--w2 500] [--no-restate] [--out file.json]
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type GrpcBenchOptions, runGrpcBench } from "./grpc.js";
import { GRPC_LATEST } from "./grpc-report.js";
import { median, round } from "./peers/measure.js";
import { DEFAULT_SIZES } from "./peers/types.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    w1: { type: "string", default: "100" },
    w2: { type: "string", default: "500" },
    "no-restate": { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const sizes = {
  w1Warmup: DEFAULT_SIZES.w1Warmup,
  w1Runs: Number(values.w1),
  w2Workflows: Number(values.w2),
  w2Concurrency: DEFAULT_SIZES.w2Concurrency,
};

type Sample = Record<string, number>;
const configs: Record<string, GrpcBenchOptions> = {
  "floor dapr": { sidecar: "double", sdk: "dapr" },
  "weft dapr": { sidecar: "weft", sdk: "dapr" },
  "floor dtjs": { sidecar: "double", sdk: "durabletask-js" },
  "weft dtjs": { sidecar: "weft", sdk: "durabletask-js" },
  "floor dapr x2": { sidecar: "double", sdk: "dapr", workers: 2 },
  "weft dapr x2": { sidecar: "weft", sdk: "dapr", workers: 2 },
  "floor dtjs pinned": { sidecar: "double", sdk: "durabletask-js", pin: true },
  "weft dtjs pinned": { sidecar: "weft", sdk: "durabletask-js", pin: true },
};
const samples: Record<string, Sample[]> = {};
const record = (name: string, sample: Sample) => {
  samples[name] ??= [];
  samples[name].push(sample);
  console.error(`${name}: ${JSON.stringify(sample)}`);
};

for (let r = 0; r < rounds; r++) {
  console.error(`--- round ${r + 1}/${rounds}`);
  for (const [name, options] of Object.entries(configs)) {
    const { w1, w2 } = await runGrpcBench(sizes, options);
    record(name, {
      w1P50Ms: w1.p50Ms,
      w1P99Ms: w1.p99Ms,
      w2WorkflowsPerSec: w2.workflowsPerSec,
      appCpuMsPerItem: w2.appCpuMsPerItem,
      sidecarCpuMsPerItem: w2.weftCpuMsPerItem,
      sidecarMainThreadCpuMsPerItem: w2.sidecarMainThreadCpuMsPerItem,
      sidecarOtherThreadsCpuMsPerItem: w2.sidecarOtherThreadsCpuMsPerItem,
    });
  }
  if (!values["no-restate"]) {
    const { runRestate } = await import("./peers/restate.js");
    const results = await runRestate({ workloads: ["W1", "W2"], runs: 1, sizes });
    const metric = (w: string, m: string) => results.find((x) => x.workload === w)?.metrics[m] ?? Number.NaN;
    record("restate", {
      w1P50Ms: metric("W1", "p50Ms"),
      w1P99Ms: metric("W1", "p99Ms"),
      w2WorkflowsPerSec: metric("W2", "workflowsPerSec"),
    });
  }
}

const medians: Record<string, Sample> = {};
for (const [name, list] of Object.entries(samples)) {
  const keys = Object.keys(list[0]!);
  medians[name] = Object.fromEntries(keys.map((k) => [k, round(median(list.map((s) => s[k]!)))]));
}
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? round(a / b) : Number.NaN);
const ratios: Record<string, number> = {};
for (const variant of ["dapr", "dtjs", "dapr x2", "dtjs pinned"]) {
  const weft = medians[`weft ${variant}`];
  const floor = medians[`floor ${variant}`];
  ratios[`W2 weft/floor ${variant}`] = ratio(weft?.w2WorkflowsPerSec, floor?.w2WorkflowsPerSec);
  ratios[`W2 weft/restate ${variant}`] = ratio(weft?.w2WorkflowsPerSec, medians.restate?.w2WorkflowsPerSec);
  ratios[`W1 p50 weft/restate ${variant}`] = ratio(weft?.w1P50Ms, medians.restate?.w1P50Ms);
  ratios[`W2 floor/restate ${variant}`] = ratio(floor?.w2WorkflowsPerSec, medians.restate?.w2WorkflowsPerSec);
}
const report = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  sizes,
  rounds,
  medians,
  ratios,
  samples,
};
console.log(JSON.stringify({ medians, ratios }, null, 2));
// Without --out: a dated file, and grpc-latest.json, which docs/benchmarks.md's gRPC section is rendered from.
const outs = values.out
  ? [values.out]
  : [
      join(import.meta.dirname, "results", `grpc-${report.date.slice(0, 16).replace(":", "")}.json`),
      GRPC_LATEST,
    ];
for (const out of outs) {
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${out}`);
}
