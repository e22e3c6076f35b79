/**
 * One more engine node for bench/weft-postgres.ts: the bench workflows on the PostgreSQL store at argv[2]. Prints
 * `ready` once it takes work, starts the workflows the driver sends it over IPC (as a load balancer would spread
 * starts over the nodes; it answers with the id), and stops (giving its leases back) on SIGTERM.
 */

import { WorkflowClient, WorkflowRuntime } from "../src/index.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { STEPS_PER_WORKFLOW } from "./peers/types.js";
import { registerBenchWorkflows, sequential } from "./workflows.js";

const store = await PostgresStore.open({ url: process.argv[2]! });
const runtime = new WorkflowRuntime({ store });
registerBenchWorkflows(runtime);
await runtime.start();
const client = new WorkflowClient(runtime);
process.on("message", (message: { start: number }) => {
  void client.scheduleNewWorkflow(sequential, STEPS_PER_WORKFLOW).then(
    (id) => process.send!({ start: message.start, id }),
    (error: unknown) => process.send!({ start: message.start, error: String(error) }),
  );
});
console.log("ready");
process.once("SIGTERM", async () => {
  await runtime.stop();
  await store.close();
  process.exit(0);
});
