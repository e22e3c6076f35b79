/**
 * Golden histories, replayed the way Temporal's SDK replays its history files: every saved history goes through
 * the core replayer with today's workflow code, and must give exactly the actions (and custom status, patches,
 * outcome) it gave when it was recorded, without a NonDeterminismError. A change to the replayer, the history
 * model or a golden workflow that fails here would break instances in flight. See record.ts for when to re-record.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { CompleteWorkflow, TurnResult } from "../../src/core/actions.js";
import type { HistoryEvent } from "../../src/core/history.js";
import { WorkflowExecution } from "../../src/core/replay/execution.js";
import { Registry } from "../../src/sdk/registry.js";
import type { GoldenExecution, GoldenFile, GoldenInstance } from "./format.js";
import { normalize } from "./format.js";
import { goldenActivities, goldenWorkflows, scenarios } from "./scenarios.js";

const dir = import.meta.dirname;
const goldens: GoldenFile[] = readdirSync(dir)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as GoldenFile);

const registry = new Registry();
for (const [name, workflow] of Object.entries(goldenWorkflows)) registry.addWorkflow(name, workflow);
for (const [name, activity] of Object.entries(goldenActivities)) registry.addActivity(name, activity);

function execution(instance: GoldenInstance): WorkflowExecution {
  const workflow = registry.workflow(instance.workflow);
  if (!workflow) throw new Error(`golden workflow '${instance.workflow}' is not in scenarios.ts`);
  return new WorkflowExecution(workflow, { instanceId: instance.instanceId, nameOf: registry.nameOf });
}

/** The engine's path after a cache miss or a restart: a fresh execution replays the committed history first. */
function replayTurn(
  instance: GoldenInstance,
  past: readonly HistoryEvent[],
  fresh: readonly HistoryEvent[],
): Promise<TurnResult> {
  return execution(instance).execute(past, fresh);
}

function label(instance: GoldenInstance, run: GoldenExecution, index: number): string {
  const nth = instance.executions.indexOf(run);
  return `${instance.instanceId} (${instance.workflow}), execution ${nth + 1}, turn ${index + 1}`;
}

test("every scenario has its golden file and every golden file its scenario", () => {
  expect(goldens.map((g) => g.scenario).sort()).toEqual(scenarios.map((s) => s.name).sort());
});

describe.each(goldens.map((g) => [g.scenario, g] as const))("golden history: %s", (_, golden) => {
  const runs = golden.instances.flatMap((instance) => instance.executions.map((run) => ({ instance, run })));

  test("each turn, replayed from its committed history, gives the recorded answer", async () => {
    let turns = 0;
    for (const { instance, run } of runs) {
      let status: string | undefined;
      for (const [index, turn] of run.turns.entries()) {
        const past = run.history.slice(0, turn.historyLength);
        expect(past.length, label(instance, run, index)).toBe(turn.historyLength);
        const { customStatus, ...result } = normalize(await replayTurn(instance, past, turn.newEvents));
        const { customStatus: recordedStatus, ...recorded } = turn.result;
        expect(result, label(instance, run, index)).toEqual(recorded);
        // A cold replay reports the custom status the code set while replaying too (the same value again, so
        // nothing changes); what must match is the status the instance has after the turn.
        const before = status;
        status = recordedStatus ?? status;
        expect(customStatus ?? before, label(instance, run, index)).toBe(status);
        turns++;
      }
    }
    expect(turns).toBeGreaterThan(0);
  });

  test("each execution, fed one turn at a time (the cached path), gives the recorded answers", async () => {
    for (const { instance, run } of runs) {
      const live = execution(instance);
      for (const [index, turn] of run.turns.entries()) {
        const result = await live.execute([], turn.newEvents);
        expect(normalize(result), label(instance, run, index)).toEqual(turn.result);
      }
    }
  });

  test("each finished history replays whole to the outcome it records", async () => {
    const finished = runs.filter(({ run }) => run.history.at(-1)?.type === "ExecutionCompleted");
    expect(finished.length).toBeGreaterThan(0);
    for (const { instance, run } of finished) {
      const recorded = run.history.at(-1) as Extract<HistoryEvent, { type: "ExecutionCompleted" }>;
      const result = normalize(await replayTurn(instance, run.history, []));
      const broken = result.actions.find(
        (a) => a.type === "CompleteWorkflow" && a.failure?.errorType === "NonDeterminismError",
      );
      expect(broken && (broken as CompleteWorkflow).failure?.message, instance.instanceId).toBeUndefined();
      // Everything the history records was matched; all that is left is the ending, not yet "emitted" by this
      // fresh execution. A terminated instance's ending comes from ExecutionTerminated, not from its code.
      expect(result.actions, instance.instanceId).toHaveLength(1);
      const ending = result.actions[0] as CompleteWorkflow;
      expect(ending.type).toBe("CompleteWorkflow");
      expect(
        { status: ending.status, result: ending.result, failure: ending.failure },
        instance.instanceId,
      ).toEqual(normalize({ status: recorded.status, result: recorded.result, failure: recorded.failure }));
    }
  });
});

describe("a history the code no longer matches fails with NonDeterminismError", () => {
  const golden = goldens.find((g) => g.scenario === "activities")!;
  const instance = golden.instances.find((i) => i.workflow === "activities")!;
  const run = instance.executions[0]!;
  const last = run.turns.at(-1)!;

  test("a renamed activity names the step, what history records and what the code produced", async () => {
    const history = structuredClone(run.history.slice(0, last.historyLength));
    const scheduled = history.find((e) => e.type === "TaskScheduled" && e.eventId === 2)!;
    if (scheduled.type !== "TaskScheduled") throw new Error("unreachable");
    scheduled.name = "greetRenamed";
    const result = await replayTurn(instance, history, last.newEvents);
    const ending = result.actions.at(-1) as CompleteWorkflow;
    expect(ending.status).toBe("FAILED");
    expect(ending.failure?.errorType).toBe("NonDeterminismError");
    expect(ending.failure?.message).toContain("at step #2");
    expect(ending.failure?.message).toContain("callActivity('greetRenamed')");
    expect(ending.failure?.message).toContain("callActivity('greet')");
  });

  test("a step the code does not take (a timer where it calls an activity) is caught", async () => {
    const history = structuredClone(run.history.slice(0, last.historyLength));
    const index = history.findIndex((e) => e.type === "TaskScheduled" && e.eventId === 1);
    history[index] = { type: "TimerCreated", eventId: 1, timestamp: history[index]!.timestamp, fireAt: 0 };
    const result = await replayTurn(instance, history, last.newEvents);
    const ending = result.actions.at(-1) as CompleteWorkflow;
    expect(ending.failure?.errorType).toBe("NonDeterminismError");
    expect(ending.failure?.message).toContain("history records createTimer()");
  });
});
