import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface StartStorm {
  url: string;
  connections: number;
  durationSec: number;
  /** JSON body sent with each POST. */
  body: string;
}

export interface StartStormResult {
  startsPerSec: number;
  accepted: number;
  rejected: number;
  errors: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  latency: { p50: number; p99: number };
}

/**
 * Runs autocannon (Weft's devDependency) as its own process, so the load generator's CPU is not counted inside the
 * system under test, and `[<id>]` in the URL or body becomes a fresh id per request: every request starts a new
 * workflow instance.
 */
export function runStartStorm(storm: StartStorm): Promise<StartStormResult> {
  // autocannon's argument parser mistakes a URL ending in "]" for a sub-argument list.
  if (storm.url.endsWith("]")) throw new Error(`URL must not end with "]": ${storm.url}`);
  const cli = join(
    dirname(createRequire(import.meta.url).resolve("autocannon/package.json")),
    "autocannon.js",
  );
  const args = [
    cli,
    "--json",
    "--idReplacement",
    "-c",
    String(storm.connections),
    "-d",
    String(storm.durationSec),
    "-m",
    "POST",
    "-H",
    "content-type=application/json",
    "-b",
    storm.body,
    storm.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once("error", reject);
    // "close", not "exit": only then has all of the child's stdout been read.
    child.once("close", (code) => {
      if (code !== 0) {
        reject(new Error(`autocannon exited with ${code}: ${err.slice(-500)}`));
        return;
      }
      let r: AutocannonJson;
      try {
        r = JSON.parse(out) as AutocannonJson;
      } catch {
        reject(new Error(`autocannon printed no JSON: ${out.slice(0, 200)} ${err.slice(-300)}`));
        return;
      }
      const seconds = r.duration > 0 ? r.duration : storm.durationSec;
      resolve({
        startsPerSec: r["2xx"] / seconds,
        accepted: r["2xx"],
        rejected: r.non2xx,
        errors: r.errors + r.timeouts,
        latencyP50Ms: r.latency.p50,
        latencyP99Ms: r.latency.p99,
      });
    });
  });
}
