import { appendFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { RunHooks } from "./harness.js";
import {
  DEFAULT_SIZES,
  isWorkloadId,
  type PeerOptions,
  type PeerResult,
  type WorkloadSizes,
} from "./types.js";

/** True when `moduleUrl` is the script node was started with (the peer file is run alone, not imported). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(resolve(entry)).href === moduleUrl;
}

const USAGE = `options:
  --workloads W1,W2,...   workloads to run (default: all)
  --runs N                repetitions of each workload; metrics are medians (default 1)
  --out FILE              also append the JSON lines to FILE
  --size key=value        override a workload size, e.g. --size w5Instances=1000 (repeatable)`;

/**
 * Runs a peer from the command line: one JSON object per workload on stdout (and appended to --out), progress and
 * errors on stderr.
 */
export async function runCli(run: (options: PeerOptions & RunHooks) => Promise<PeerResult[]>): Promise<void> {
  const { values } = parseArgs({
    options: {
      workloads: { type: "string", default: "W1,W2,W3,W4,W5,W6" },
      runs: { type: "string", default: "1" },
      out: { type: "string" },
      size: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.error(USAGE);
    return;
  }
  const workloads = values.workloads.split(",").map((w) => w.trim().toUpperCase());
  const unknown = workloads.filter((w) => !isWorkloadId(w));
  if (unknown.length > 0) throw new Error(`unknown workload(s) ${unknown.join(", ")}\n${USAGE}`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer\n${USAGE}`);
  const sizes: Partial<WorkloadSizes> = {};
  for (const pair of values.size) {
    const [key, raw] = pair.split("=");
    if (!key || !(key in DEFAULT_SIZES) || !raw || !Number.isFinite(Number(raw))) {
      throw new Error(`bad --size ${pair}; keys: ${Object.keys(DEFAULT_SIZES).join(", ")}`);
    }
    sizes[key as keyof WorkloadSizes] = Number(raw);
  }
  const out = values.out;
  const written: Promise<void>[] = [];
  await run({
    workloads: workloads.filter(isWorkloadId),
    runs,
    sizes,
    onResult: (result) => {
      const line = `${JSON.stringify(result)}\n`;
      process.stdout.write(line);
      if (out) written.push(appendFile(out, line));
    },
  });
  await Promise.all(written);
}
