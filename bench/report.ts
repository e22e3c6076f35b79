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
  synchronous_commit on), with one engine node, and with this process plus two more node processes sharing the work.
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
${ANALYSIS}
${errors.length ? `\n## Workloads that did not run\n\n${errors.map((e) => `- ${e.system} ${e.workload}: ${e.error}`).join("\n")}\n` : ""}`;
}

/** Why the targets that are not met are out of reach here, from measurements in docs/benchmarks.md's history. */
const ANALYSIS = `
## Where the targets stand, and why

This file's run (2026-12-04) is on a faster machine than the runs before it: one durable SQLite commit took 0.16 ms
(0.24 ms, then 0.38-0.43 ms on the machines of the earlier runs), and the peers that wait on the disk got faster
with it (Restate's W2 went from 116-207 workflows/s to 402-484). Only same-run ratios count.

- **W2 >= 10x the peers in process.** Met in this file's run: 10.3x Restate (4,142 against 402 workflows/s) and
  22.1x DBOS (187). On this machine, the code at the start of the session measured 6.6x (3,214 against 484,
  bench/results/w2-2026-12-04T1823.json: on the faster disk, Restate had gained more than Weft). Five changes, each
  measured in alternating A/B runs of a script over the built package (medians of 5 W2 runs per process, three pairs
  each), took it back above 10x:
  1. Less work per step in the SQLite store (commit 5a4e175): a turn's activity rows are held back until the
     group commit, so an activity the instance's next turn consumes before the commit needs neither its insert
     nor its delete; a turn's write runs without a savepoint (if it ever fails, the whole batch rolls back and the
     store stops, as after a failed COMMIT); history texts are serialised once, on the engine's side, and travel
     beside the batch's JSON instead of escaped inside it; the writer thread's "applied" reply lists only outcomes
     with a value, an error or effects (cloning an empty outcome per turn cost the engine's thread). Before 3,518,
     3,703 and 3,356 workflows/s; after 3,993, 3,987 and 3,716 with the first three, then 3,913, 3,915 and 4,084
     against 3,265, 3,018 and 3,528 with all four.
  2. Fewer allocations per step on the engine's thread (9523c56): 4,271, 3,915, 3,684 before; 4,878, 4,145, 4,569
     after.
  3. and 4. Replay without promises for synchronous workflows (5a7b72b, f495716): a generator's step, and the
     processing of each event, return a promise only when the workflow is async. 3,802, 3,953, 3,635 before;
     4,536, 4,588, 4,317 after the first; then 3,608, 3,305, 3,858 before and 4,074, 3,803, 4,169 after the second.
  A CPU profile of W2 now has the engine's thread 18% idle and the writer thread 24% idle: the remaining limit is
  the pipeline between them (a workflow's last turn waits for its commit) more than either thread's CPU. On the
  engine's thread the largest items are garbage collection (14%), the JSON of turn records and history (15%) and
  posting batches (4%); on the writer thread the COMMITs (36%, the WAL write and its fsync under load, about
  0.65 ms each for 110-180 writes). A W1/W2 run with peers right after the changes gave 11.6x Restate and 27.1x
  DBOS (5,370 against 464 and 198; bench/results/w1-w2-2026-12-04T1840.json). A W2 run without W1 before it, so
  with the first of its three runs on a cold JIT, gave 7.2x (3,242 against 449;
  bench/results/w2-2026-12-04T1843.json): the margin depends on warm-up, which the full run (W1 first) gives every
  system alike. Tried and not kept, no gain in alternating runs: a larger WAL autocheckpoint, a larger page cache,
  a larger V8 young generation (\`--max-semi-space-size=64\`), and an activity context built as a class instead of
  closures. Ratios against Restate across all runs with peers, oldest first: 3.8x, 3.8x, 4.5x, 5.0x, 6.9x, 8.0x,
  9.3x, 14.5x, 4.4x, 8.4x, 8.6x, 9.2x, 10.4x, 9.996x, then on this machine 6.6x (old code), 11.6x, 7.2x (cold) and
  this file's 10.3x.
- **gRPC W2 >= 2x Restate.** Not met: 162 workflows/s, 0.40x Restate, the same ratio as on the slower machines.
  The gRPC rows of W2 give the CPU each process spends per work item (a turn or an activity): the app process
  running @dapr/dapr's worker 0.22 ms here (0.4-0.75 ms on the earlier machines; it decodes each turn's full
  history with google-protobuf and replays it), \`weft run\` 0.20 ms. A 10-step workflow is 21 items, so one Node
  process running the SDK completes at most about 1 / (0.22 ms x 21), some 215 workflows/s, whatever the sidecar
  does, against the 800-plus that 2x Restate needs here; the two processes share the two cores. It is not the SDK's
  10-item concurrency cap: with @dapr/durabletask-js 1.0.0, which runs every item at once (\`node --import tsx
  bench/grpc.ts --sdk durabletask-js\`), W2 measured 59 workflows/s against 57 for @dapr/dapr in back-to-back runs
  of 500 workflows on an earlier machine. What would reach the target: workers in several processes on more cores
  (the sidecar spreads items over every connected stream), or a worker that keeps its workflows in memory between
  turns instead of replaying each turn's history.
- **W5, memory per waiting instance.** Met, but read the RSS figure with care: with 10,000 instances the growth
  is a few MB, the same size as the allocators' own swings, and in runs of the same code it came out anywhere from
  -0.9 to 3.9 KB per instance. The JS heap figure is the steady one (220-420 B per instance across runs): a waiting
  instance evicted from the executor cache is a row on disk and a few small entries in the store's indexes.
- **PostgreSQL W2 >= 3x DBOS.** With one node met in every run since local turns (3.3x to 5.8x; 3.9x here: 733
  against 187 workflows/s). With three nodes 2.5x here (475), and 2.5x (507 against 203) in a W2 run before it on
  this machine; on the earlier machines 2.8x, 2.5x, 3.7x, 2.4x, 2.2x, 3.1x, 2.6x, 2.7x, 3.1x, 3.3x, 3.4x and 3.1x.
  DBOS gained more from this machine's faster disk (187-221 workflows/s against 50-75 before) than Weft on
  PostgreSQL did (1 node 690-733 against 240-357), because a Weft step on PostgreSQL is bound by the latency of its
  group commit, not by the disk: each step is one share of one batch (the node that commits a turn leases the turn's
  activities to itself and hands their results straight to the next turn; docs/postgres.md), and a batch of about
  15-18 writes spends, measured under W2 on one node, 0.43 ms on BEGIN, 0.9 ms locking its rows, 1.75 ms in the
  write statement and 1.25 ms in COMMIT, with two batches in flight. The node process uses about half a core and
  PostgreSQL about one, so one node is latency-bound; three nodes on the same two cores add processes, not cores,
  and their smaller batches cost PostgreSQL more per step. On separate machines each node brings its own CPU.
  Tried and not kept, because A/B runs showed no gain: one history row per turn instead of per event (698 and 515
  workflows/s for one and three nodes, against 690 and 507), four batches in flight instead of two (664 against
  671), a Unix socket instead of TCP (665 against 637), and, on the earlier machines, sending BEGIN with the lock and
  COMMIT with the write, and emptier pages for in-place updates. What would reach it: fewer round trips per batch
  (a driver with pipelining, or the lock and write in one server-side function), or nodes on their own cores.
`;
