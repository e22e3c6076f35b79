/**
 * The golden file format. One file per scenario; for each instance the scenario ran (children included), each of
 * its executions (continue-as-new starts another) with the history the store held and every turn the engine gave
 * the workflow executor: how much of that history was already committed, the turn's new events, and the executor's
 * answer. Replaying a turn means running the workflow code over `history.slice(0, historyLength)` and then
 * `newEvents`, exactly as the engine does after a cache miss or a restart.
 */
import type { TurnResult } from "../../src/core/actions.js";
import type { HistoryEvent } from "../../src/core/history.js";

export interface GoldenTurn {
  historyLength: number;
  newEvents: HistoryEvent[];
  result: TurnResult;
}

export interface GoldenExecution {
  executionId: string;
  /**
   * The execution's committed history as the store held it at the end: complete (down to ExecutionCompleted) for
   * an instance's last execution; for one that continued as new, what was committed before its last turn (the
   * store drops the rest when the next execution starts). Every turn's history is a prefix of it.
   */
  history: HistoryEvent[];
  turns: GoldenTurn[];
}

export interface GoldenInstance {
  instanceId: string;
  workflow: string;
  executions: GoldenExecution[];
}

export interface GoldenFile {
  scenario: string;
  about: string;
  /** How to regenerate (deliberately) and what a failing replay means. */
  note: string;
  instances: GoldenInstance[];
}

/**
 * Stack traces name files and lines of whoever recorded them, and a stack is no step of a workflow: they are left
 * out of the files and out of comparisons. Everything else (undefined fields aside) must match exactly.
 */
export function normalize<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === "stackTrace" ? undefined : v))) as T;
}
