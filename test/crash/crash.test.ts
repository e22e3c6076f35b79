/**
 * Crash safety for real: the engine runs in a child process on a database file and is SIGKILLed mid-flight
 * several times; after the last restart every workflow must complete with the right output, and every activity
 * result must appear exactly once in history even though activities may have run more than once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, test } from "vitest";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

const COUNT = 150;
const STEPS = 20;
const KILLS = 5;
const dir = mkdtempSync(join(tmpdir(), "weft-crash-"));
const db = join(dir, "weft.db");
const log = join(dir, "executions.log");
const app = resolve(import.meta.dirname, "crash-app.ts");

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function launch(): {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  output: () => string;
} {
  const child = spawn(process.execPath, ["--import", "tsx", app, db, log, String(COUNT), String(STEPS)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const ready = new Promise<void>((resolveReady, reject) => {
    child.stdout!.on("data", () => out.includes("weft ready") && resolveReady());
    child.on("exit", (code) => reject(new Error(`exited with ${code} before ready:\n${out}`)));
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, ready, exited, output: () => out };
}

test("SIGKILL mid-flight, several times: every workflow completes, each activity result recorded once", async () => {
  const logged = () => {
    try {
      return readFileSync(log, "utf8").trim().split("\n").length;
    } catch {
      return 0;
    }
  };
  const workPerRun: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const before = logged();
    const run = launch();
    await run.ready;
    // Kill once the process has done some work, at a random point while much more is left to do.
    const threshold = 100 + Math.random() * 150;
    let exited = false;
    void run.exited.then(() => (exited = true));
    while (!exited && logged() - before < threshold) await new Promise((r) => setTimeout(r, 5));
    run.child.kill("SIGKILL");
    await run.exited;
    workPerRun.push(logged() - before);
  }
  const before = logged();
  const last = launch();
  const code = await last.exited;
  workPerRun.push(logged() - before);
  // Every process, the last included, found work left by the previous kill: the kills landed mid-flight.
  expect(
    workPerRun.every((n) => n > 0),
    `activity runs per process: ${workPerRun}`,
  ).toBe(true);
  expect(code, last.output()).toBe(0);
  expect(last.output()).toContain("all complete");

  const store = new SqliteStore({ path: db });
  try {
    const instances = await store.listInstances({ limit: 10_000 });
    const orders = instances.filter((s) => s.name === "order");
    expect(orders).toHaveLength(COUNT);
    for (const state of orders) {
      const n = Number(state.input);
      const expected =
        Array.from({ length: STEPS }, (_, i) => (n + i) * 2).reduce((a, b) => a + b, 0) +
        (n * 2 + 1) +
        1000 +
        2 +
        4;
      expect(state.status, state.instanceId).toBe("COMPLETED");
      expect(Number(state.output), state.instanceId).toBe(expected);
    }
    let executions = 0;
    let results = 0;
    for (const state of instances) {
      const history = (await store.getHistory(state.instanceId))!;
      const scheduled = history.filter((e) => e.type === "TaskScheduled").map((e) => e.eventId);
      const completed = history.flatMap((e) => (e.type === "TaskCompleted" ? [e.taskScheduledId] : []));
      expect(
        [...completed].sort((a, b) => a - b),
        state.instanceId,
      ).toEqual([...scheduled].sort((a, b) => a - b));
      expect(new Set(completed).size, `${state.instanceId} has a duplicated result`).toBe(completed.length);
      expect(
        history.filter((e) => e.type === "ExecutionCompleted"),
        state.instanceId,
      ).toHaveLength(1);
      results += completed.length;
    }
    executions = readFileSync(log, "utf8").trim().split("\n").length;
    expect(results).toBe(COUNT * (STEPS + 3));
    // Activities run at least once; the kills make some run twice, but no result is recorded twice.
    expect(executions).toBeGreaterThanOrEqual(results);
    console.log(
      `crash test: ${executions} activity executions for ${results} results; per process: ${workPerRun}`,
    );
  } finally {
    await store.close();
  }
}, 120_000);
