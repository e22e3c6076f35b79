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
  ["dtjs pinned", "@dapr/durabletask-js 1.0.0 worker; app on one core, sidecar on the other"],
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
  const threads = VARIANTS.map(([key, label]) => {
    const weft = m[`weft ${key}`] ?? {};
    const floor = m[`floor ${key}`] ?? {};
    return `| ${label} | ${fmt(floor.sidecarMainThreadCpuMsPerItem)} | ${fmt(floor.sidecarOtherThreadsCpuMsPerItem)} | ${fmt(weft.sidecarMainThreadCpuMsPerItem)} | ${fmt(weft.sidecarOtherThreadsCpuMsPerItem)} |`;
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

The sidecar's CPU per work item by thread (from /proc): the main thread (gRPC and HTTP/2, and in \`weft run\` the
engine and the store's client), and the other threads (in \`weft run\` the SQLite writer thread; in both, V8's
garbage-collector helpers).

| worker | double, main thread | double, other threads | weft run, main thread | weft run, other threads |
|---|---:|---:|---:|---:|
${threads.join("\n")}
${GRPC_NOTES}`;
}

/** What the figures mean, from the run of 2026-12-05 21:53 UTC (grpc-2026-12-05T2159.json) and the studies beside it. */
const GRPC_NOTES = `
This run was noisy: the same configuration moved by up to a third between rounds (the floor with @dapr/dapr: 136,
163 and 111 workflows/s), so only the medians and their order mean much. Every Weft figure is on issue 16's strict
store: nothing is dispatched before the commit that records it is on disk (a turn's activities wait for its commit,
an activity's result is committed before the turn that sees it).

- **Targets.** W2 over gRPC >= 2x Restate: not met (0.47x with @dapr/dapr, 0.61x with @dapr/durabletask-js). The
  SDKs forbid it: against the double, which does no work at all, the same workers reach only 0.63x (@dapr/dapr) and
  0.69x (@dapr/durabletask-js) of Restate's W2. The fallback, >= 90% of the floor: not met, but close with
  @dapr/durabletask-js (0.89x); 0.74x with @dapr/dapr, 0.72x with two @dapr/dapr worker processes, 0.79x with the
  app and the sidecar on a core each. W1 p50 <= Restate's: not met (2.1x with @dapr/dapr, 2.4x with
  @dapr/durabletask-js), although the floor's W1 (16-21 ms) is at or below Restate's (20 ms).
- **Why W1 cannot reach Restate at this durability.** A 10-step workflow is 20 hand-offs in sequence (a turn's
  activity, then its result's turn), and the rule above puts a commit on disk in each: the floor's W1 is 16-21 ms, so
  Restate's 20 ms leaves nothing for 20 commits. Measured in \`weft run\` (a timeline of W1 with
  @dapr/durabletask-js, medians per step): about 1 ms per commit (write to the writer thread, its "applied", then
  "durable", against 0.18 ms for the fsync itself) and 0.3 ms of Weft's own code between them. Only dispatching
  before the commit (issue 16 forbids it) or a weaker, opt-in durability would close that gap.
- **Where Weft's CPU goes.** By thread (second table, @dapr/durabletask-js): \`weft run\`'s main thread 0.145 ms per
  work item against the double's 0.100 (both mostly grpc-js and Node's HTTP/2; in \`weft run\` also the engine, the
  encoded histories and the store's client), its other threads 0.082 against 0.021 (the SQLite writer thread's
  statements and commits). So Weft's whole share beyond a sidecar that does nothing is about 0.1 ms per item. A
  profile of the main thread (1,500 workflows) once showed \`postMessage\` to the writer thread as its largest
  single item (7%); timed in a live W2 run, a post took 230-295 us of wall time, against 14 us when a core is free
  (a loop of posts to an idle thread): the writer thread, woken by the post, takes the core from the engine's
  thread. It is the writer's work showing up there, not the cost of the message.
- **Where W2's time goes.** CPU is not all of it: with the app and the sidecar on a core each (last row), the app's
  CPU per item is about the same against both sidecars (0.28 and 0.31 ms here; 0.25-0.27 for both in
  quieter alternated runs), yet Weft reaches 0.79x of the floor, so the app's
  core waits for Weft part of the time. A timeline of that setup (1,500 workflows, @dapr/durabletask-js, a
  temporary timestamping build, means over 2-second windows) put 5.4-6.0 ms (medians 4.4-5.2) inside \`weft run\` per
  hand-off, from a Complete call's arrival to the next item's bytes handed to HTTP/2: 0.7 ms until the batch goes
  to the writer thread, 2.1 ms until it is applied (the writer finishing the previous commit, then applying the
  batch, on the core it shares with the engine's thread), 0.9 ms until it is durable, 0.3 ms until the next item is
  written, and 1.3-1.8 ms in grpc-js' queue for the stream (one message per write callback). With 50 workflows
  in flight and one item out per workflow, an item's cycle is 50 / (items per second): 19 ms for Weft and 15 ms for
  the floor in this run's pinned medians. Group commit
  also makes work leave in bursts (about 17 commands per batch to the writer), and the worker then answers a
  burst one item after another.
- **The floor: what the SDK costs.** The app's CPU per work item against the double is 0.34 ms (@dapr/dapr) and
  0.34 ms (@dapr/durabletask-js) in this run (0.25-0.29 in quieter runs). A profile of the app process in W2
  (bench/grpc.ts --cpu-prof, against \`weft run\`): google-protobuf decoding the whole history each turn 11%, the
  SDK's generated messages 5%, grpc-js and Node's HTTP/2 about 20%, Node's \`util.deprecate\` and promisify
  wrappers about 5%. A 10-step workflow is 21 items: one Node process running the SDK completes at most
  1 / (0.28 ms x 21), about 170 workflows/s on one core, whatever the sidecar does.
- **What changed for this path (issue 21).** (1) Encoded histories (src/api/grpc/encoded-histories.ts,
  encoded-work.ts): each turn encodes only its own events and copies the encoded past, kept per instance between
  turns (64 MiB at most, least recently used first, used only when it holds exactly the committed number of events,
  dropped when a turn is not committed). Assembling the 11 turns of a 10-step workflow took 975 us before and 216 us
  after (\`bench/grpc-turn-micro.ts\`, minimum of 15 alternating repetitions of 1,000 workflows, same bytes out), and
  the writer thread's history reads are gone. (2) The workers' Complete calls skip the abort signal that client
  calls need, and grpc-js' channelz bookkeeping is off.
- **Tried and dropped, with figures (alternated runs of bench/grpc.ts, @dapr/durabletask-js, W2).** SQLite on the
  engine's thread instead of a writer thread: 98-100 against 124-128 workflows/s (each fsync then stops the engine).
  Handing grpc-js' stream a \`_writev\` so a burst of items leaves in one write: 119-122 against 131-145 (bigger bursts
  at the worker). Posting to the writer thread at once when it is idle instead of once per turn of the event loop:
  145 (one undisturbed run) against 149-151 with the cores pinned.
- **Not changed, and why.** Fewer work items per workflow: a turn already takes every event that is in the inbox
  (a fan-out's results arriving together are one turn); a sequential workflow has one new event per turn, so its
  21 items are the protocol's minimum. Capacity: neither SDK advertises any (their GetWorkItemsRequest is empty);
  the cap of 100 unfinished items per stream keeps @dapr/dapr's queue (10 running, 100 queued, more dropped) full
  without overflowing it. What would move the gRPC path further: less work per item on the writer thread (it
  spends about 0.06 ms per item beyond the double's threads), shorter hand-offs (the 2.1 ms above is mostly waiting
  for the previous commit), and workers on cores of their own: on this two-core machine the app, the engine's
  thread and the writer thread take turns on two cores.
`;
