/**
 * CPU profiles of one window of a run (W2 only, not start-up). Node 20 refuses --cpu-prof in NODE_OPTIONS, so a
 * child process gets this module as a preload instead: with
 * `NODE_OPTIONS="--import tsx --import <this file>" WEFT_CPU_PROF_DIR=<dir>`, the first SIGUSR2 starts profiling
 * and the second writes `<dir>/<pid>.cpuprofile`. The bench process calls `startProfile`/`stopProfile` itself.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

let session: Session | undefined;

export function startProfile(): void {
  session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 250 });
  session.post("Profiler.start");
}

/** Same-thread inspector calls answer synchronously, so the file is written when this returns. */
export function stopProfile(file: string): void {
  session?.post("Profiler.stop", (error, result) => {
    if (!error) writeFileSync(file, JSON.stringify(result.profile));
  });
  session?.disconnect();
  session = undefined;
}

const dir = process.env.WEFT_CPU_PROF_DIR;
if (dir) {
  process.on("SIGUSR2", () => {
    if (session) stopProfile(join(dir, `${process.pid}.cpuprofile`));
    else startProfile();
  });
}
