/**
 * What a crash re-runs, counted by the activities themselves: a ten-step workflow is SIGKILLed inside step k
 * (k = 1, 6, 10), and in the middle of a stream of starts, on SQLite and on PostgreSQL. After a restart, steps
 * before k ran exactly once (their results were durable before the next step was dispatched), step k at most
 * twice, and a start that was not acknowledged either completes or never ran any activity.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { freshSchema, testPostgresUrl } from "../postgres/database.js";

const APP = resolve(import.meta.dirname, "steps-app.ts");
const INSTANCES = 6;
const STEPS = 10;
const EXPECTED_OUTPUT = String((STEPS * (STEPS + 1)) / 2);
const pgUrl = await testPostgresUrl();
const dir = mkdtempSync(join(tmpdir(), "weft-steps-"));
const children: ChildProcess[] = [];
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once stdout satisfies `done`. */
  until: (done: (out: string) => boolean, timeoutMs?: number) => Promise<void>;
}

function launch(store: string, ledger: string, args: string[]): Run {
  const child = spawn(process.execPath, ["--import", "tsx", APP, store, ledger, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d;
    for (const w of waiters) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const until = (done: (out: string) => boolean, timeoutMs = 60_000) =>
    new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`timed out; output:\n${out}`)), timeoutMs);
      const check = () => {
        if (!done(out)) return;
        clearTimeout(timer);
        waiters.delete(check);
        res();
      };
      waiters.add(check);
      void exited.then(() => {
        if (!done(out)) {
          clearTimeout(timer);
          rej(new Error(`exited early; output:\n${out}`));
        }
      });
      check();
    });
  return { child, output: () => out, exited, until };
}

async function kill(run: Run): Promise<void> {
  run.child.kill("SIGKILL");
  await run.exited;
}

/** Runs the store to completion; returns each instance's output. */
async function finish(store: string, ledger: string): Promise<Map<string, string>> {
  const run = launch(store, ledger, ["finish"]);
  const code = await run.exited;
  expect(code, run.output()).toBe(0);
  const outputs = new Map<string, string>();
  for (const [, id, output] of run.output().matchAll(/^output (\S+) (\S+)$/gm)) outputs.set(id!, output!);
  return outputs;
}

/** How often each step of each instance ran, from the ledger the activities wrote. */
function executions(ledger: string): Map<string, number[]> {
  const runs = new Map<string, number[]>();
  for (const line of readFileSync(ledger, "utf8").trim().split("\n")) {
    const [id, step] = line.split(" ") as [string, string];
    const counts = runs.get(id) ?? new Array<number>(STEPS + 1).fill(0);
    counts[Number(step)]! += 1;
    runs.set(id, counts);
  }
  return runs;
}

const stores: { name: string; available: boolean; fresh: () => Promise<string> }[] = [
  { name: "SQLite", available: true, fresh: async () => join(mkdtempSync(join(dir, "db-")), "weft.db") },
  {
    name: "PostgreSQL",
    available: pgUrl !== undefined,
    fresh: async () => {
      const { schema, drop } = await freshSchema(pgUrl!);
      afterAll(drop);
      return `${pgUrl}#${schema}`;
    },
  },
];

for (const { name, available, fresh } of stores) {
  describe.skipIf(!available)(`crash inside a step, ${name}`, () => {
    for (const k of [1, 6, 10]) {
      test(`killed inside step ${k}: steps before it ran once, step ${k} at most twice, the rest once`, async () => {
        const store = await fresh();
        const ledger = join(mkdtempSync(join(dir, "ledger-")), "ledger");
        const run = launch(store, ledger, ["steps", String(INSTANCES), String(k)]);
        await run.until((out) => (out.match(new RegExp(`^inside ${k} `, "gm")) ?? []).length === INSTANCES);
        await kill(run);

        const outputs = await finish(store, ledger);
        expect([...outputs.keys()].sort()).toEqual(
          Array.from({ length: INSTANCES }, (_, i) => `steps-${i}`).sort(),
        );
        for (const output of outputs.values()) expect(output).toBe(EXPECTED_OUTPUT);
        const runs = executions(ledger);
        for (const [id, counts] of runs) {
          const expected = counts.map((_, step) => (step === 0 ? 0 : step === k ? 2 : 1));
          expect(counts, `${id}: runs of steps 0..${STEPS}`).toEqual(expected);
        }
      }, 120_000);
    }

    test("killed in the middle of starts: every acknowledged start completes, an unacknowledged one completes or ran nothing", async () => {
      const store = await fresh();
      const ledger = join(mkdtempSync(join(dir, "ledger-")), "ledger");
      const run = launch(store, ledger, ["starts"]);
      await run.until((out) => (out.match(/^acked /gm) ?? []).length >= 40);
      await kill(run);
      const acked = [...run.output().matchAll(/^acked (\S+)$/gm)].map((m) => m[1]!);

      const outputs = await finish(store, ledger);
      for (const id of acked) expect(outputs.get(id), `acknowledged start ${id}`).toBe(EXPECTED_OUTPUT);
      for (const output of outputs.values()) expect(output).toBe(EXPECTED_OUTPUT);
      const runs = executions(ledger);
      for (const [id, counts] of runs) {
        expect(outputs.has(id), `activities ran for ${id}, which does not exist after the crash`).toBe(true);
        // Killed once: a step ran once, or twice if it was in flight at the kill.
        for (let step = 1; step <= STEPS; step++)
          expect(counts[step], `${id} step ${step}`).toBeOneOf([1, 2]);
      }
      console.log(
        `${name}: ${acked.length} starts acknowledged before the kill, ${outputs.size} instances after it, ` +
          `${[...runs.values()].flat().filter((n) => n === 2).length} steps ran twice`,
      );
    }, 120_000);
  });
}
