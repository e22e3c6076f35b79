/** The workloads every system runs; the same shapes as Weft's own bench (issue 5). */
export const WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6"] as const;
export type WorkloadId = (typeof WORKLOADS)[number];

export interface PeerResult {
  system: string;
  version: string;
  workload: WorkloadId;
  /** Medians over `runs` repetitions; `runs` itself is included so a reader knows how many. */
  metrics: Record<string, number>;
  /** Set when the workload failed or the system cannot run it; metrics then hold what was measured, if anything. */
  error?: string;
}

/** Sizes of each workload; the defaults are the issue's, smaller ones make a quick smoke run. */
export interface WorkloadSizes {
  /** W1: warm-up runs, then measured runs of the 10-step workflow, one at a time. */
  w1Warmup: number;
  w1Runs: number;
  /** W2: workflows of `stepsPerWorkflow` steps at `w2Concurrency`. */
  w2Workflows: number;
  w2Concurrency: number;
  /** W3: fan-out/fan-in workflows of `w3FanOut` steps each, `w3Concurrency` at a time. */
  w3Workflows: number;
  w3FanOut: number;
  w3Concurrency: number;
  /** W4: one workflow of `w4Steps`; first and last `w4Window` steps are timed. */
  w4Steps: number;
  w4Window: number;
  /** W5: instances waiting on an external event. */
  w5Instances: number;
  /** W6: autocannon connections and duration of the start storm. */
  w6Connections: number;
  w6DurationSec: number;
}

export const DEFAULT_SIZES: WorkloadSizes = {
  w1Warmup: 20,
  w1Runs: 200,
  w2Workflows: 1_000,
  w2Concurrency: 50,
  w3Workflows: 100,
  w3FanOut: 100,
  w3Concurrency: 10,
  w4Steps: 10_000,
  w4Window: 1_000,
  w5Instances: 10_000,
  w6Connections: 50,
  w6DurationSec: 10,
};

/** Steps in the sequential workflow of W1, W2 and W6. */
export const STEPS_PER_WORKFLOW = 10;

export interface PeerOptions {
  workloads: readonly WorkloadId[];
  /** Repetitions of each workload; each metric is reported as the median over them. */
  runs: number;
  sizes?: Partial<WorkloadSizes>;
}

export function isWorkloadId(value: string): value is WorkloadId {
  return (WORKLOADS as readonly string[]).includes(value);
}
