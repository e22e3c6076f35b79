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
${GRPC_NOTES}`;
}

/** What the figures mean, from the run of 2026-12-05 13:10 UTC (grpc-2026-12-05T1316.json) and the profiles beside it. */
const GRPC_NOTES = `
This run had the machine to itself (load average under 2.5; the same hour's in-process W2 ran at about 1,000
workflows/s). Every Weft figure is on issue 16's strict store: nothing is dispatched before the commit that records
it is on disk (a turn's activities wait for its commit, an activity's result is committed before the turn that
sees it).

- **Targets.** W2 over gRPC >= 2x Restate: not met (0.77x with @dapr/dapr, 0.84x with @dapr/durabletask-js). The
  SDK's own cost forbids it: against the double, which does no work at all, the same worker reaches 0.84x
  (@dapr/dapr) and 1.16x (@dapr/durabletask-js) of Restate's W2. The fallback, >= 90% of the floor: met with
  @dapr/dapr (0.91x), not with @dapr/durabletask-js (0.73x) nor with two @dapr/dapr worker processes (0.65x). W1 p50
  <= Restate's: not met (1.75x with @dapr/dapr, 1.91x with @dapr/durabletask-js), although the floor's W1 (18-19 ms)
  is below Restate's (23 ms).
- **Where W1's time goes.** A timeline of W1 with @dapr/durabletask-js (timestamps at each hand-off in \`weft run\`,
  one workflow at a time, medians per step): the worker's turn 1.05 ms (work item sent to its answer) and its
  activity 0.8 ms, which is the floor's share (18 ms for 10 steps); Weft's two commits per step about 1 ms each
  (0.45 ms from the write to the writer thread's "applied", 0.42 ms more to "durable", against 0.18 ms for the
  fsync itself); Weft's own code between them about 0.3 ms. In process, the same commits took 0.45 ms each: with the
  worker process and the client on the same two cores, the writer thread and the engine's thread wait longer for a
  core. So W1 over gRPC is the floor plus 20 commits in sequence, and Restate's 23 ms leaves 4-5 ms for 20 commits:
  out of reach at this durability.
- **Where W2's time goes.** Per work item, \`weft run\` spent 0.27 ms of CPU with @dapr/dapr and 0.22 ms with
  @dapr/durabletask-js against the double's 0.14 and 0.12 ms. Two cores hold the app (0.27-0.33 ms per item) and
  the sidecar, so every 0.1 ms Weft spends per item is taken from the worker. A profile of \`weft run\`'s main
  thread in W2 with @dapr/durabletask-js (1,500 workflows): idle 58%; \`postMessage\` to the writer thread 7.2% (the
  largest single item: one message per turn of the event loop, each waking the thread); grpc-js and Node's HTTP/2
  about 9%; Weft's own code (store client, engine, work streams, encoded histories) about 6%; garbage collection
  2.8%. The writer thread's SQLite work is outside that profile and inside the CPU figures.
- **The floor: what the SDK costs.** The app's CPU per work item against the double is 0.34 ms (@dapr/dapr) and
  0.27 ms (@dapr/durabletask-js). A profile of the app process in W2 (bench/grpc.ts --cpu-prof, against
  \`weft run\`): garbage collection 16%, grpc-js 15%, google-protobuf decoding the whole history each turn 12%,
  the SDK's own code 11%, Node's \`util.deprecate\` and promisify wrappers about 5%. A 10-step workflow is 21 items:
  one Node process running the SDK completes at most 1 / (0.27 ms x 21), about 175 workflows/s on one core, whatever
  the sidecar does, which is what the floor reached.
- **What changed for this path (issue 21).** (1) Encoded histories (src/api/grpc/encoded-histories.ts,
  encoded-work.ts): each turn encodes only its own events and copies the encoded past, kept per instance between
  turns (64 MiB at most, least recently used first, used only when it holds exactly the committed number of events,
  dropped when a turn is not committed). Assembling the 11 turns of a 10-step workflow took 975 us before and 216 us
  after (\`bench/grpc-turn-micro.ts\`, minimum of 15 alternating repetitions of 1,000 workflows, same bytes out), and
  the writer thread's history reads are gone. (2) The workers' Complete calls skip the abort signal that client
  calls need, and grpc-js' channelz bookkeeping is off.
- **Not changed, and why.** Fewer work items per workflow: a turn already takes every event that is in the inbox
  (a fan-out's results arriving together are one turn); a sequential workflow has one new event per turn, so its
  21 items are the protocol's minimum. Capacity: neither SDK advertises any (their GetWorkItemsRequest is empty);
  the cap of 100 unfinished items per stream keeps @dapr/dapr's queue (10 running, 100 queued, more dropped) full
  without overflowing it. Batching stream writes: grpc-js frames every message on its own, and Node's HTTP/2
  session already sends what was written in one tick with one socket write. What would move the gRPC path further:
  a cheaper hand-off to the writer thread (fewer, larger messages, or shared memory), or, at a weaker and opt-in
  durability, one commit per step instead of two; and workers on cores of their own.
`;
