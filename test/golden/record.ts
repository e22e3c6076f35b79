/**
 * Records the golden histories: runs every scenario of scenarios.ts through the in-process SDK (SQLite in a
 * temporary folder) and writes test/golden/<scenario>.json. `npm run golden:record [-- <scenario>...]`.
 *
 * Only re-record deliberately: when a scenario is added or changed on purpose, or when the history format itself
 * changes in a way that old histories are migrated for. Never to make a failing replay test pass: that failure
 * means the change would break instances in flight, whose histories were written by the old code.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HistoryEvent } from "../../src/core/history.js";
import type { WorkflowTurnRequest } from "../../src/engine/executor.js";
import { WorkflowClient, WorkflowRuntime } from "../../src/index.js";
import type { GoldenExecution, GoldenFile, GoldenInstance, GoldenTurn } from "./format.js";
import { normalize } from "./format.js";
import { goldenActivities, goldenWorkflows, type Scenario, scenarios } from "./scenarios.js";

const NOTE =
  "Recorded by `npm run golden:record` (test/golden/record.ts) from test/golden/scenarios.ts and replayed by " +
  "test/golden/replay.test.ts. A failing replay means a change would break instances in flight: fix the change " +
  "(or guard it with isPatched), do not re-record.";

interface Recorded {
  workflow: string;
  /** executionId -> turns by historyLength (a turn retried at the same point replaces the one before). */
  executions: Map<string, Map<number, GoldenTurn & { past: HistoryEvent[] }>>;
}

async function record(scenario: Scenario, dir: string): Promise<GoldenFile> {
  const runtime = new WorkflowRuntime({ databasePath: join(dir, `${scenario.name}.db`) });
  for (const [name, workflow] of Object.entries(goldenWorkflows))
    runtime.registerWorkflowWithName(name, workflow);
  for (const [name, activity] of Object.entries(goldenActivities))
    runtime.registerActivityWithName(name, activity);
  const recorded = new Map<string, Recorded>();
  // The in-process executor answers every turn; wrapping its method records each turn without changing it.
  const executor = runtime.executor;
  const execute = executor.executeWorkflow.bind(executor);
  executor.executeWorkflow = async (request: WorkflowTurnRequest) => {
    const past = request.historyLength > 0 ? await request.loadHistory() : [];
    const result = await execute(request);
    const instance = recorded.get(request.instanceId) ?? { workflow: request.name, executions: new Map() };
    recorded.set(request.instanceId, instance);
    const turns = instance.executions.get(request.executionId) ?? new Map();
    instance.executions.set(request.executionId, turns);
    turns.set(request.historyLength, {
      historyLength: request.historyLength,
      newEvents: [...request.newEvents],
      result: structuredClone(result),
      past,
    });
    return result;
  };
  await runtime.start();
  try {
    await scenario.drive(new WorkflowClient(runtime));
    const instances: GoldenInstance[] = [];
    for (const [instanceId, { workflow, executions }] of recorded) {
      const state = await runtime.service.get(instanceId);
      if (!state || !["COMPLETED", "FAILED", "TERMINATED"].includes(state.status))
        throw new Error(`${scenario.name}: ${instanceId} did not finish (${state?.status})`);
      const out: GoldenExecution[] = [];
      for (const [executionId, byLength] of executions) {
        const turns = [...byLength.values()].sort((a, b) => a.historyLength - b.historyLength);
        const isLast = executionId === state.executionId;
        const history = isLast ? ((await runtime.service.history(instanceId)) ?? []) : turns.at(-1)!.past;
        for (const turn of turns) check(scenario, instanceId, turn, history);
        out.push({ executionId, history, turns: turns.map(({ past: _, ...turn }) => turn) });
      }
      instances.push({ instanceId, workflow, executions: out });
    }
    return normalize({ scenario: scenario.name, about: scenario.about, note: NOTE, instances });
  } finally {
    await runtime.stop();
  }
}

/** A recording is only worth keeping if every turn saw a prefix of the saved history and replayed cleanly. */
function check(
  scenario: Scenario,
  instanceId: string,
  turn: { past: HistoryEvent[]; result: unknown },
  history: HistoryEvent[],
) {
  const prefix = JSON.stringify(normalize(history.slice(0, turn.past.length)));
  if (prefix !== JSON.stringify(normalize(turn.past)))
    throw new Error(`${scenario.name}: ${instanceId}'s history is not append-only across turns`);
  if (JSON.stringify(turn.result).includes("NonDeterminismError"))
    throw new Error(`${scenario.name}: ${instanceId} hit non-determinism while recording`);
}

const only = process.argv.slice(2);
const unknown = only.filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length) throw new Error(`no such scenario: ${unknown.join(", ")}`);
const dir = mkdtempSync(join(tmpdir(), "weft-golden-"));
try {
  for (const scenario of scenarios.filter((s) => only.length === 0 || only.includes(s.name))) {
    const file = await record(scenario, dir);
    const path = join(import.meta.dirname, `${scenario.name}.json`);
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
    const turns = file.instances.flatMap((i) => i.executions.flatMap((e) => e.turns)).length;
    console.log(`${path}: ${file.instances.length} instance(s), ${turns} turn(s)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
