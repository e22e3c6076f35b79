/** Renders benchmark results: a console table and docs/benchmarks.md, with Weft/peer ratios from the same run. */
import type { Metrics } from "./peers/harness.js";
import type { PeerResult, WorkloadId } from "./peers/types.js";

export interface Report {
  machine: Record<string, string | number | boolean>;
  commitFloor: Metrics;
  results: PeerResult[];
}

/** The figures compared across systems; `lower` marks the ones where less is better. */
const KEY_METRICS: Record<WorkloadId, Array<{ metric: string; label: string; lower?: boolean }>> = {
  W1: [
    { metric: "p50Ms", label: "10-step latency p50 (ms)", lower: true },
    { metric: "p99Ms", label: "10-step latency p99 (ms)", lower: true },
  ],
  W2: [
    { metric: "workflowsPerSec", label: "1,000 x 10 steps at 50: workflows/s" },
    { metric: "stepsPerSec", label: "1,000 x 10 steps at 50: steps/s" },
    { metric: "appCpuMsPerItem", label: "gRPC: app process CPU ms per work item", lower: true },
    { metric: "weftCpuMsPerItem", label: "gRPC: weft run CPU ms per work item", lower: true },
  ],
  W3: [{ metric: "workflowsPerSec", label: "fan-out 100, 100 workflows: workflows/s" }],
  W4: [
    { metric: "firstPerStepMs", label: "10,000 steps: ms/step, first 1,000", lower: true },
    { metric: "lastPerStepMs", label: "10,000 steps: ms/step, last 1,000", lower: true },
    { metric: "lastOverFirst", label: "10,000 steps: last/first", lower: true },
  ],
  W5: [
    { metric: "rssDeltaBytesPerInstance", label: "10,000 waiting: RSS bytes/instance", lower: true },
    { metric: "heapDeltaBytesPerInstance", label: "10,000 waiting: JS heap bytes/instance", lower: true },
    { metric: "waitingRssMB", label: "10,000 waiting: RSS (MB)", lower: true },
    { metric: "completeAllMs", label: "10,000 waiting: raise-all to all done (ms)", lower: true },
  ],
  W6: [{ metric: "startsPerSec", label: "HTTP starts/s" }],
};

const fmt = (v: number | undefined) =>
  v === undefined || Number.isNaN(v)
    ? "-"
    : Math.abs(v) >= 100
      ? v.toFixed(0)
      : v.toFixed(Math.abs(v) >= 10 ? 1 : 3);

interface Row {
  label: string;
  values: Record<string, number | undefined>;
  ratios: Record<string, number | undefined>;
}

function rows(report: Report): { systems: string[]; peers: string[]; ratioKeys: string[]; rows: Row[] } {
  const systems = [...new Set(report.results.map((r) => r.system))];
  const peers = systems.filter((s) => !s.startsWith("weft"));
  const find = (system: string, workload: string) =>
    report.results.find((r) => r.system === system && r.workload === workload);
  const out: Row[] = [];
  for (const [workload, metrics] of Object.entries(KEY_METRICS)) {
    for (const { metric, label } of metrics) {
      const values: Row["values"] = {};
      for (const system of systems) values[system] = find(system, workload)?.metrics[metric];
      if (Object.values(values).every((v) => v === undefined)) continue;
      const ratios: Row["ratios"] = {};
      for (const ours of systems.filter((s) => s.startsWith("weft"))) {
        for (const peer of peers) {
          const mine = values[ours];
          const theirs = values[peer];
          ratios[`${ours}/${peer}`] = mine !== undefined && theirs ? mine / theirs : undefined;
        }
      }
      out.push({ label: `${workload} ${label}`, values, ratios });
    }
  }
  const ratioKeys = [...new Set(out.flatMap((r) => Object.keys(r.ratios)))].filter((k) =>
    out.some((r) => r.ratios[k] !== undefined),
  );
  return { systems, peers, ratioKeys, rows: out };
}

function cells(report: Report): { header: string[]; lines: string[][] } {
  const { systems, ratioKeys, rows: data } = rows(report);
  const header = ["workload / metric", ...systems, ...ratioKeys];
  const lines = data.map((r) => [
    r.label,
    ...systems.map((s) => fmt(r.values[s])),
    ...ratioKeys.map((k) => (r.ratios[k] === undefined ? "-" : `${fmt(r.ratios[k])}x`)),
  ]);
  return { header, lines };
}

const metric = (report: Report, system: string, workload: string, name: string) =>
  report.results.find((r) => r.system === system && r.workload === workload)?.metrics[name];

/** Issue 5's targets, checked against this run's figures. */
function targets(report: Report): string[] {
  const peers = [...new Set(report.results.map((r) => r.system))].filter((s) => !s.startsWith("weft"));
  const out: string[] = [];
  const check = (label: string, ok: boolean | undefined, detail: string) =>
    out.push(`| ${label} | ${ok === undefined ? "not measured" : ok ? "met" : "**not met**"} | ${detail} |`);
  const w2 = metric(report, "weft", "W2", "workflowsPerSec");
  for (const peer of peers) {
    const theirs = metric(report, peer, "W2", "workflowsPerSec");
    const ratio = w2 && theirs ? w2 / theirs : undefined;
    check(`W2 >= 10x ${peer}`, ratio === undefined ? undefined : ratio >= 10, ratio ? `${fmt(ratio)}x` : "-");
  }
  const bestPeerP50 = Math.min(
    ...peers.map((p) => metric(report, p, "W1", "p50Ms") ?? Number.POSITIVE_INFINITY),
  );
  const p50 = metric(report, "weft", "W1", "p50Ms");
  check(
    "W1 p50 <= 1/5 of the best peer",
    p50 === undefined || !Number.isFinite(bestPeerP50) ? undefined : p50 <= bestPeerP50 / 5,
    p50 !== undefined && Number.isFinite(bestPeerP50) ? `${fmt(p50)} ms vs ${fmt(bestPeerP50)} ms` : "-",
  );
  const w4 = metric(report, "weft", "W4", "lastOverFirst");
  check(
    "W4 last 1,000 within 1.5x of first",
    w4 === undefined ? undefined : w4 <= 1.5,
    w4 ? `${fmt(w4)}x` : "-",
  );
  const w5 = metric(report, "weft", "W5", "rssDeltaBytesPerInstance");
  check(
    "W5 < 2 KB resident per waiting instance",
    w5 === undefined ? undefined : w5 < 2048,
    w5 ? `${fmt(w5)} B` : "-",
  );
  const grpc = metric(report, "weft-grpc", "W2", "workflowsPerSec");
  const restate = metric(report, "restate", "W2", "workflowsPerSec");
  const gr = grpc && restate ? grpc / restate : undefined;
  check("gRPC W2 >= 2x restate", gr === undefined ? undefined : gr >= 2, gr ? `${fmt(gr)}x` : "-");
  const dbos = metric(report, "dbos", "W2", "workflowsPerSec");
  for (const system of ["weft-pg", "weft-pg-3nodes"]) {
    const ours = metric(report, system, "W2", "workflowsPerSec");
    const ratio = ours && dbos ? ours / dbos : undefined;
    check(
      `PostgreSQL (${system}) W2 >= 3x dbos (issue 6)`,
      ratio === undefined ? undefined : ratio >= 3,
      ratio ? `${fmt(ratio)}x` : "-",
    );
  }
  return ["| target | this run | figure |", "|---|---|---|", ...out];
}

export function renderTable(report: Report): string {
  const { header, lines } = cells(report);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const floor = `durable SQLite commit on this disk: p50 ${fmt(report.commitFloor.commitP50Ms)} ms, p99 ${fmt(report.commitFloor.commitP99Ms)} ms`;
  const errors = report.results.filter((r) => r.error).map((r) => `${r.system} ${r.workload}: ${r.error}`);
  return [render(header), ...lines.map(render), "", floor, ...errors, "", ...targets(report)].join("\n");
}

export function renderMarkdown(report: Report): string {
  const { header, lines } = cells(report);
  const peers = [...new Set(report.results.map((r) => r.system))].filter((s) => !s.startsWith("weft"));
  const m = report.machine;
  const w2 = report.results.find((r) => r.system === "weft" && r.workload === "W2")?.metrics;
  const versions = [...new Map(report.results.map((r) => [r.system, r.version])).entries()]
    .map(([s, v]) => `${s} ${v}`)
    .join(", ");
  const table = [
    `| ${header.join(" | ")} |`,
    `|---|${header
      .slice(1)
      .map(() => "---:")
      .join("|")}|`,
    ...lines.map((l) => `| ${l.join(" | ")} |`),
  ].join("\n");
  const errors = report.results.filter((r) => r.error);
  return `# Benchmarks

Generated by \`npm run bench${peers.length ? " -- --peers" : ""}\` on ${m.date}. Every figure is the median of ${m.runs}
run(s) measured in this one invocation, side by side; ratios are the Weft figure divided by the peer's (for
latencies, memory and per-step times lower is better, for rates higher is better). The machine is shared and noisy:
compare ratios from one run rather than absolute figures across runs.

- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}, Node ${m.node}
- Versions: ${versions}
- \`weft-pg\`, \`weft-pg-3nodes\`: the in-process SDK on the PostgreSQL store (same server as DBOS, fsync and
  synchronous_commit on), with one engine node, and with this process plus two more node processes sharing the work
  (W2's starts spread over the three nodes in turn, as a load balancer would). As for DBOS, one database and one
  set of processes serve all runs of a system.
- \`weft\`: the in-process SDK on the embedded SQLite store (WAL, \`synchronous=FULL\`: every acknowledged change
  is fsynced); its W6 goes through the HTTP API of \`weft run\`. \`weft-grpc\`: a \`weft run\` process and an app
  using \`@dapr/dapr\` 3.18's workflow worker and client over gRPC. Peers run with their default durability (see
  bench/peers/README.md for how each one runs each workload).

## Results

${table}

## Targets (issues 5 and 6)

${targets(report).join("\n")}

## The commit path

- One durable SQLite commit (one small row, WAL, synchronous=FULL) on this disk: p50 ${fmt(report.commitFloor.commitP50Ms)} ms,
  p99 ${fmt(report.commitFloor.commitP99Ms)} ms.
- Weft under W2: ${w2 ? `${fmt(w2.commits)} commits, ${fmt(w2.stepsPerCommit)} steps per commit` : "not measured in this run"}.
  Concurrent instances share commits (group commit), and an activity's result is made durable together with the
  next turn of its workflow, so a step costs far less than one fsync.
${ANALYSIS}${OBSERVABILITY}
${errors.length ? `\n## Workloads that did not run\n\n${errors.map((e) => `- ${e.system} ${e.workload}: ${e.error}`).join("\n")}\n` : ""}`;
}

/** Why the targets that are not met are out of reach here, from measurements in docs/benchmarks.md's history. */
const ANALYSIS = `
## Where the targets stand, and why

This file's run (2026-12-04, evening) is on the same kind of machine as the run before it that day, but a slower
moment of it: one durable SQLite commit took 0.22 ms (0.16 ms in the morning run), Restate's W2 was 338 workflows/s
(402-484 in the morning) and DBOS's 123 (187-221). Only same-run ratios count. A W1/W2 run with peers right after
it is saved as bench/results/w1-w2-2026-12-04T2133.json.

- **W2 >= 10x the peers in process.** Met in this file's run: 10.9x Restate (3,696 against 338 workflows/s) and
  30.1x DBOS (123). In the W1/W2 run after it, 8.5x Restate (2,810 against 331) and 18.3x DBOS (154), and in a
  W2-only run after that 10.5x (3,040 against 288) and 23.7x (128): the margin
  over Restate is thin on this machine and moves with the noise of a shared 2-core machine. The changes that
  brought it above 10x on this machine (commits 5a4e175, 9523c56, 5a7b72b, f495716: activity rows held back until
  the group commit, fewer allocations per step, replay without promises for synchronous workflows) are described
  with their A/B figures in the closing note of that stop; ratios against Restate across all runs with peers,
  oldest first: 3.8x, 3.8x, 4.5x, 5.0x, 6.9x, 8.0x, 9.3x, 14.5x, 4.4x, 8.4x, 8.6x, 9.2x, 10.4x, 9.996x, 6.6x (old
  code), 11.6x, 7.2x (cold JIT), 10.3x, then this file's 10.9x, 8.5x and 10.5x.
- **gRPC W2 >= 2x Restate.** Not met: 121 workflows/s, 0.36x Restate, the same ratio as in earlier runs. The gRPC
  rows of W2 give the CPU each process spends per work item (a turn or an activity): the app process running
  @dapr/dapr's worker 0.31 ms here (0.22-0.75 ms across runs; it decodes each turn's full history with
  google-protobuf and replays it), \`weft run\` 0.25 ms. A 10-step workflow is 21 items, so one Node process
  running the SDK completes at most about 1 / (0.31 ms x 21), some 150 workflows/s, whatever the sidecar does,
  against the 670-plus that 2x Restate needs here; the two processes share the two cores. It is not the SDK's
  10-item concurrency cap: with @dapr/durabletask-js 1.0.0, which runs every item at once (\`node --import tsx
  bench/grpc.ts --sdk durabletask-js\`), W2 measured 59 workflows/s against 57 for @dapr/dapr in back-to-back runs
  of 500 workflows on an earlier machine. What would reach the target: workers in several processes on more cores
  (the sidecar spreads items over every connected stream), or a worker that keeps its workflows in memory between
  turns instead of replaying each turn's history.
- **W5, memory per waiting instance.** Met, but read the RSS figure with care: with 10,000 instances the growth
  is a few MB, the same size as the allocators' own swings, and in runs of the same code it came out anywhere from
  -0.9 to 3.9 KB per instance. The JS heap figure is the steady one (210-420 B per instance across runs): a waiting
  instance evicted from the executor cache is a row on disk and a few small entries in the store's indexes.
- **PostgreSQL W2 >= 3x DBOS.** Met with one node (5.4x: 668 against 123 workflows/s) and with three (4.4x: 538);
  in the W1/W2 run after it 4.8x and 3.8x (736 and 578 against 154), and in a W2-only run after that 5.3x and 4.0x
  (685 and 507 against 128; bench/results/w2-2026-12-04T2145.json). Before this session's changes, the morning
  run had 733 and 475 against DBOS's 187 (3.9x and 2.5x). DBOS's W2 has ranged from 123 to 221 across runs on
  this kind of machine, so read the three-node ratio with that in mind: against DBOS's best figure, 578 would be
  2.6x. What changed, each step measured with W2 on one database over several runs (medians of 4 runs per
  system, alternating configurations):
  1. The bench itself, for a like-for-like comparison: as DBOS does, one database and one set of engine processes
     serve all runs of a system (before, every run made a fresh database and fresh node processes, so the two extra
     nodes always ran on a cold JIT), and with three nodes W2's starts are spread over the nodes in turn, as a load
     balancer would spread them (before, all starts went to one node).
  2. Keeping one database across runs showed a real defect: W2 on one node fell from 496 to 208 workflows/s over
     six runs. This server runs with autovacuum off, so dead rows of updated instances and finished activities
     piled up, and the plans each connection had cached for its statements while the tables were empty
     (sequential scans) were never made again. Now a node vacuums and analyzes the store's tables itself when the
     server's autovacuum is off (src/store/postgres/housekeeper.ts): six runs then stayed between 428 and 468.
  3. Plans that stay index lookups: the store's sessions use generic plans (\`plan_cache_mode=force_generic_plan\`;
     the write statement had been planned again at every batch, 0.48 ms of its 1.7 ms) and no sequential scans,
     hash joins or merge joins (the planner's guess of 100 rows per JSON batch had picked a hash join over the
     whole primary key of instances). Three alternating pairs with generic plans and no sequential scans (the two
     join settings came after, when a plan showed the hash join): 449, 502, 540 (1 node) and 538, 451, 488 (3
     nodes) against 464, 463, 498 and 337, 424, 395.
  4. Two round trips per batch instead of four: BEGIN travels with the lock statement and COMMIT with the write, as
     extended-protocol messages before one Sync, so both keep their prepared plans
     (src/store/postgres/transaction-query.ts). Under load, a round trip cost about 0.85 ms (BEGIN alone took that
     long). Writing the parameters into one simple-protocol text instead (losing the prepared plans) was slower:
     471 and 419 (1 node), 362 and 341 (3 nodes).
  5. Eager starts: a node whose engine keeps up runs the first turn of an instance it starts without a notification
     and a claim, and a committed turn no longer wakes the claim queue when it left nothing ready (most of the
     claims in W2 had found nothing). With starts spread over three nodes: 540 and 564 workflows/s; one node 585
     and 659.
  Tried and not kept: four batches in flight instead of two (443 and 465 against 468 and 472 with three nodes);
  leasing up to four claim batches of activities to the committing node (one node 735 and 703 against 646 and 657,
  but three nodes 501 and 378 against 528 and 537); earlier, one history row per turn, a Unix socket, emptier
  pages. What limits three nodes here: the two cores. During W2 with three nodes the machine was 91% busy, about
  1.6 ms of Node CPU and 1.7 ms of PostgreSQL CPU per workflow, so three processes on two cores cannot go much
  faster than one; on machines of their own each node brings its own CPU.
`;

/** What metrics and traces cost (issue 18), from bench/metrics-overhead.ts and bench/metrics-observer-cost.ts. */
const OBSERVABILITY = `
## Observability overhead (issue 18)

Measured with \`node --expose-gc --import tsx bench/metrics-overhead.ts 7\`: W2 in process on SQLite (1,000
workflows of 10 steps, 50 at a time) with nothing observing, with metrics (the lifecycle-fact observer and a
scrape every 5 s, store statistics included), and with metrics and OpenTelemetry traces (OTLP/HTTP, batched, to a
local sink standing in for a collector), in rotating order. On 2026-12-05 the shared 2-core machine was far
busier than in the runs above (W2 without observers 274-699 workflows/s, against 3,000-plus in quiet runs), so
these figures are dominated by noise:

- Metrics: medians of three runs -1.8% (7 pairs), -16.7% (5 rounds) and +17.0% (7 rounds) against no observer
  (the first two kept prom-client's process metrics on, whose monitors pile up over the runs of one process; the
  script now leaves them out): the difference is inside the noise, so this machine cannot confirm or refute the 3% target. The observer's own
  cost, measured without the engine (\`node --import tsx bench/metrics-observer-cost.ts\`, the four facts of one
  W2 step fed in a loop), is 0.35-0.5 us per step: about 1.5-2% of a step at 3,500 workflows/s (29 us per step),
  and 0.1-0.2% at this session's rates. With prom-client's own counters and histograms it was about 8 us per step
  (prom-client hashes the label values on every observation), which is why the hot-path series are Weft's own
  (src/observability/series.ts), formatted by prom-client's registry.
- Metrics and traces: medians -52.1% (5 rounds) and -31.8% (7 rounds): two spans per step (the turn and the
  activity) created, batched and serialised for OTLP. The first is a little over the "within double" target, the
  second inside it. Traces are off unless the OTLP environment variables name an endpoint.
`;
