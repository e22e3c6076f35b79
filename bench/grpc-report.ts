/**
 * docs/benchmarks.md's section on the gRPC path, from the last `bench/grpc-compare.ts` run
 * (bench/results/grpc-latest.json): the floor (the SDK against an in-memory sidecar double), Weft's share of the
 * CPU per work item, and the ratios to the floor and to Restate.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const GRPC_LATEST = join(import.meta.dirname, "results", "grpc-latest.json");

interface GrpcCompare {
  date: string;
  rounds: number;
  sizes: { w1Runs: number; w2Workflows: number; w2Concurrency: number };
  medians: Record<string, Record<string, number>>;
  ratios: Record<string, number>;
}

const fmt = (v: number | undefined, digits = 3) =>
  v === undefined || Number.isNaN(v) ? "-" : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits);

const VARIANTS: Array<[string, string]> = [
  ["dapr", "@dapr/dapr 3.18 worker, in the client's process"],
  ["dtjs", "@dapr/durabletask-js 1.0.0 worker, in the client's process"],
  ["dapr x2", "@dapr/dapr 3.18 workers in two processes of their own"],
];

export function renderGrpcSection(file = GRPC_LATEST): string {
  if (!existsSync(file)) return "";
  const run = JSON.parse(readFileSync(file, "utf8")) as GrpcCompare;
  const m = run.medians;
  const rows = VARIANTS.map(([key, label]) => {
    const weft = m[`weft ${key}`] ?? {};
    const floor = m[`floor ${key}`] ?? {};
    const share = (weft.sidecarCpuMsPerItem ?? Number.NaN) / (weft.appCpuMsPerItem ?? Number.NaN);
    return `| ${label} | ${fmt(floor.w2WorkflowsPerSec)} | ${fmt(weft.w2WorkflowsPerSec)} | ${fmt(run.ratios[`W2 weft/floor ${key}`])}x | ${fmt(run.ratios[`W2 weft/restate ${key}`])}x | ${fmt(floor.appCpuMsPerItem)} | ${fmt(weft.appCpuMsPerItem)} | ${fmt(floor.sidecarCpuMsPerItem)} | ${fmt(weft.sidecarCpuMsPerItem)} | ${fmt(share, 2)} | ${fmt(floor.w1P50Ms)} | ${fmt(weft.w1P50Ms)} | ${fmt(run.ratios[`W1 p50 weft/restate ${key}`])}x |`;
  });
  const restate = m.restate;
  return `
## The gRPC path: the floor, Weft's share, the ratios

From \`node --import tsx bench/grpc-compare.ts\` on ${run.date} (bench/results/grpc-latest.json): ${run.rounds}
round(s), each running every configuration once in turn (W1: ${run.sizes.w1Runs} workflows one at a time; W2:
${run.sizes.w2Workflows} at ${run.sizes.w2Concurrency}), medians over the rounds. The floor is the same SDK worker
and client against bench/sidecar-double.ts, a sidecar that keeps everything in memory and answers every work item
at once: no store, no engine, no durability. CPU is per work item (a 10-step workflow is 21: 11 turns, 10
activities), for the app's processes (workers and client) and for the sidecar process (\`weft run\` or the double).
Restate in the same rounds: W2 ${fmt(restate?.w2WorkflowsPerSec)} workflows/s, W1 p50 ${fmt(restate?.w1P50Ms)} ms.

| worker | floor W2 wf/s | Weft W2 wf/s | Weft/floor | Weft/Restate | app CPU ms/item, floor | app CPU ms/item, Weft | double CPU ms/item | weft run CPU ms/item | Weft/app CPU | floor W1 p50 ms | Weft W1 p50 ms | Weft W1/Restate |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}
`;
}
