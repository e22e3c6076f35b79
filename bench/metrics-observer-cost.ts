/**
 * `node --import tsx bench/metrics-observer-cost.ts`: the metrics observer's own cost per W2 step, measured
 * without the engine (so the machine's noise hardly matters): the facts one step of a sequential workflow emits
 * (a turn that schedules an activity, the activity's start and finish) fed to WorkflowMetrics in a loop.
 */
import type { LifecycleFact } from "../src/engine/lifecycle.js";
import { WorkflowMetrics } from "../src/observability/metrics.js";

const metrics = new WorkflowMetrics({ processMetrics: false });
const task = { instanceId: "i", executionId: "e", taskId: 1, name: "step" };
const t = Date.now();
const step: LifecycleFact[] = [
  { type: "turn-started", instanceId: "i", executionId: "e", name: "sequential", status: "RUNNING", at: t },
  {
    type: "turn-committed",
    instanceId: "i",
    executionId: "e",
    name: "sequential",
    before: "RUNNING",
    after: "RUNNING",
    createdAt: t - 5,
    startedAt: t,
    executedAt: t + 0.05,
    committedAt: t + 1.2,
    activities: [task],
  },
  { type: "activity-started", task, dispatchCount: 1, at: t + 1.3 },
  { type: "activity-finished", task, outcome: "success", startedAt: t + 1.3, finishedAt: t + 1.31 },
];
const steps = 2_000_000;
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) for (const fact of step) metrics.observe(fact);
  const ns = ((performance.now() - t0) * 1e6) / steps;
  console.log(`round ${round + 1}: ${ns.toFixed(0)} ns per step`);
}
