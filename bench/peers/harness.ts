import { median, round } from "./measure.js";
import {
  DEFAULT_SIZES,
  type PeerOptions,
  type PeerResult,
  type WorkloadId,
  type WorkloadSizes,
} from "./types.js";

export type Metrics = Record<string, number>;
export type WorkloadRunner = (sizes: WorkloadSizes, run: number) => Promise<Metrics>;

export interface PeerSystem {
  system: string;
  version: string;
  /** Workloads the system can run; one it cannot is reported with an error saying why. */
  workloads: Partial<Record<WorkloadId, WorkloadRunner>>;
  unsupported?: Partial<Record<WorkloadId, string>>;
}

export interface RunHooks {
  /** Called with each workload's result as soon as its repetitions are done. */
  onResult?: (result: PeerResult) => void;
  /** The number of the first repetition (`npm run bench` runs one per round, each round naming its own ids). */
  firstRun?: number;
}

/**
 * Runs each requested workload `runs` times back to back and reports per-metric medians. A workload that fails is
 * reported with its error and the others still run: one peer's limit must not hide its other figures.
 */
export async function runWorkloads(peer: PeerSystem, options: PeerOptions & RunHooks): Promise<PeerResult[]> {
  const sizes: WorkloadSizes = { ...DEFAULT_SIZES, ...options.sizes };
  const results: PeerResult[] = [];
  for (const workload of options.workloads) {
    const base = { system: peer.system, version: peer.version, workload };
    const runner = peer.workloads[workload];
    let result: PeerResult;
    if (!runner) {
      result = { ...base, metrics: {}, error: peer.unsupported?.[workload] ?? "not implemented" };
    } else {
      const samples: Metrics[] = [];
      let error: string | undefined;
      const first = options.firstRun ?? 0;
      for (let run = first; run < first + options.runs && error === undefined; run++) {
        console.error(`[${peer.system}] ${workload} run ${run + 1}`);
        try {
          samples.push(await runner(sizes, run));
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
          console.error(`[${peer.system}] ${workload} failed: ${error}`);
        }
      }
      result = { ...base, metrics: medians(samples), ...(error === undefined ? {} : { error }) };
    }
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

/** Per-metric medians of the samples, with `runs`: how many there were. */
export function medians(samples: readonly Metrics[]): Metrics {
  const first = samples[0];
  if (!first) return {};
  const out: Metrics = {};
  for (const key of Object.keys(first)) out[key] = round(median(samples.map((s) => s[key] ?? Number.NaN)));
  out.runs = samples.length;
  return out;
}
