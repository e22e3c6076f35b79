/**
 * One more engine node for bench/weft-postgres.ts: the bench workflows on the PostgreSQL store at argv[2]. Prints
 * `ready` once it takes work, and stops (giving its leases back) on SIGTERM.
 */

import { WorkflowRuntime } from "../src/index.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { registerBenchWorkflows } from "./workflows.js";

const store = await PostgresStore.open({ url: process.argv[2]! });
const runtime = new WorkflowRuntime({ store });
registerBenchWorkflows(runtime);
await runtime.start();
console.log("ready");
process.once("SIGTERM", async () => {
  await runtime.stop();
  await store.close();
  process.exit(0);
});
