/**
 * What the sidecar spends assembling the orchestrator work items of one 10-step workflow (11 turns), the way it
 * did before encoded histories and the way it does now, alternating, minimum over repetitions (a busy machine only
 * adds time, so the minimum is the steadiest figure). Before: each turn parses the stored history (the main-thread
 * part of `loadHistory`; the writer thread's read is not counted here), translates it and encodes it all. Now: each
 * turn encodes its own events and copies the instance's encoded past.
 *
 *   node --import tsx bench/grpc-turn-micro.ts [--workflows 2000] [--repeats 15]
 */
import { parseArgs } from "node:util";
import { EncodedHistories, pastBytes } from "../src/api/grpc/encoded-histories.js";
import { EventEncoder, encodeOrchestratorWorkItem } from "../src/api/grpc/encoded-work.js";
import { workItemSerializer } from "../src/api/grpc/service-definition.js";
import { toWireOrchestratorRequest } from "../src/api/grpc/translate-work.js";
import type { HistoryEvent } from "../src/core/history.js";
import { nowMs } from "./peers/measure.js";

const { values } = parseArgs({
  options: { workflows: { type: "string", default: "2000" }, repeats: { type: "string", default: "15" } },
});
const workflows = Number(values.workflows);
const repeats = Number(values.repeats);
const T = Date.now();
const serialize = workItemSerializer();
const encoder = new EventEncoder(serialize);

/** The turns of a 10-step workflow: each turn's new events, and what applying it appends. */
function turnsOf(instanceId: string): { fresh: HistoryEvent[]; appended: HistoryEvent[] }[] {
  const turns: { fresh: HistoryEvent[]; appended: HistoryEvent[] }[] = [];
  for (let k = 0; k <= 10; k++) {
    const started: HistoryEvent = { type: "WorkflowStarted", eventId: -1, timestamp: T + k };
    const fresh: HistoryEvent[] =
      k === 0
        ? [
            started,
            {
              type: "ExecutionStarted",
              eventId: -1,
              timestamp: T,
              name: "sequential",
              instanceId,
              executionId: "0b8f5c1e-5d0c-4c1e-9a51-1f0b3c0f2a11",
              input: "10",
            },
          ]
        : [
            started,
            {
              type: "TaskCompleted",
              eventId: -1,
              timestamp: T + k,
              taskScheduledId: k - 1,
              result: `${k + 1}`,
            },
          ];
    const action: HistoryEvent =
      k < 10
        ? { type: "TaskScheduled", eventId: k, timestamp: T + k, name: "step", input: `${k + 1}` }
        : { type: "ExecutionCompleted", eventId: k, timestamp: T + k, status: "COMPLETED", result: "11" };
    turns.push({ fresh, appended: [...fresh, action] });
  }
  return turns;
}

const executionId = "0b8f5c1e-5d0c-4c1e-9a51-1f0b3c0f2a11";

function before(instanceId: string): number {
  let bytes = 0;
  const stored: string[] = [];
  for (const { fresh, appended } of turnsOf(instanceId)) {
    const past = stored.flatMap((turn) => JSON.parse(turn) as HistoryEvent[]);
    bytes += serialize({
      orchestratorRequest: toWireOrchestratorRequest(instanceId, executionId, past, fresh),
    }).length;
    stored.push(JSON.stringify(appended));
  }
  return bytes;
}

const histories = new EncodedHistories();
function after(instanceId: string): number {
  let bytes = 0;
  let length = 0;
  for (const { fresh, appended } of turnsOf(instanceId)) {
    const history =
      histories.get(instanceId, executionId, length) ?? histories.set(instanceId, executionId, []);
    const entries = fresh.map((e) => encoder.pastEntry(e));
    bytes += encodeOrchestratorWorkItem(instanceId, executionId, pastBytes(history), entries).length;
    const all = appended.map((e, i) => (i < entries.length ? entries[i]! : encoder.pastEntry(e)));
    histories.append(instanceId, executionId, length, all);
    length += appended.length;
  }
  histories.delete(instanceId);
  return bytes;
}

const best = { before: Number.POSITIVE_INFINITY, after: Number.POSITIVE_INFINITY };
let sizes = { before: 0, after: 0 };
for (let r = 0; r < repeats; r++) {
  for (const [name, fn] of [
    ["before", before],
    ["after", after],
  ] as const) {
    let total = 0;
    const t0 = nowMs();
    for (let i = 0; i < workflows; i++) total += fn(`bench-${r}-${i}`);
    const perWorkflowUs = ((nowMs() - t0) * 1000) / workflows;
    best[name] = Math.min(best[name], perWorkflowUs);
    sizes = { ...sizes, [name]: total / workflows };
  }
}
console.log(
  JSON.stringify({
    workflows,
    repeats,
    usPerWorkflow: { before: Math.round(best.before), after: Math.round(best.after) },
    usPerTurn: { before: +(best.before / 11).toFixed(1), after: +(best.after / 11).toFixed(1) },
    bytesPerWorkflow: sizes,
  }),
);
