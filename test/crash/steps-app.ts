/**
 * The process the step-crash tests kill:
 *   steps-app.ts <store> <ledger> <mode> [arg]
 * <store> is a SQLite file path, or `postgres://…#<schema>`. The activities append each execution to <ledger>
 * themselves (one line, fsynced before the step does anything else), so the test counts what really ran, not
 * what the engine recorded. Modes:
 *   steps <count> <k>  starts `count` ten-step workflows (ids steps-0…) once, then runs; step k of every instance
 *                      prints "inside <k> <id>" and never returns (the test kills the process there). k=0: no hang.
 *   starts             starts workflows with ids Weft draws, 8 at a time, printing "acked <id>" as each start
 *                      resolves, until killed.
 *   finish             waits until every instance in the store completed, prints "output <id> <output>" for each,
 *                      then "all complete".
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { isWeftError, type WorkflowContext, WorkflowRuntime } from "../../src/index.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { Store } from "../../src/store/store.js";

const [storeSpec, ledger, mode, ...args] = process.argv.slice(2) as [string, string, string, ...string[]];
const STEPS = 10;
const hangAt = mode === "steps" ? Number(args[1]) : 0;

function record(line: string): void {
  const fd = openSync(ledger, "a");
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function step(ctx: { getWorkflowInstanceId(): string }, i: number): Promise<number> {
  const id = ctx.getWorkflowInstanceId();
  record(`${id} ${i}`);
  if (i === hangAt) {
    console.log(`inside ${i} ${id}`);
    await new Promise(() => {});
  }
  return i;
}

function* tenSteps(ctx: WorkflowContext, n: number) {
  let total = n;
  for (let i = 1; i <= STEPS; i++) total += yield* ctx.callActivity(step, i);
  return total;
}

let store: Store | undefined;
if (storeSpec.startsWith("postgres://")) {
  const [url, schema] = storeSpec.split("#") as [string, string];
  // A short lease, so a restarted node takes over the killed one's work quickly.
  store = await PostgresStore.open({ url, schema, leaseTtlMs: 1000, poolSize: 4 });
}
const runtime = new WorkflowRuntime(store ? { store } : { databasePath: storeSpec });
runtime.registerWorkflow(tenSteps).registerActivity(step);
await runtime.start();
const service = runtime.service;
console.log("weft ready");

if (mode === "steps") {
  const count = Number(args[0]);
  for (let i = 0; i < count; i++) {
    try {
      await service.start({ name: "tenSteps", instanceId: `steps-${i}`, input: "0", idReuse: "never" });
    } catch (error) {
      if (!isWeftError(error, "already_exists")) throw error;
    }
  }
  console.log("started");
} else if (mode === "starts") {
  const starter = async () => {
    for (;;) {
      const id = await service.start({ name: "tenSteps", input: "0" });
      console.log(`acked ${id}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, starter));
} else {
  for (;;) {
    const states = await service.list({ limit: 10_000 });
    if (states.every((s) => s.status === "COMPLETED")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const s of await service.list({ limit: 10_000 })) console.log(`output ${s.instanceId} ${s.output}`);
  console.log("all complete");
  await runtime.stop();
  await (store as PostgresStore | undefined)?.close();
  process.exit(0);
}
