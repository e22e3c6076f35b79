/**
 * Issue 6, item 5, for gRPC: two `weft run` nodes on one PostgreSQL schema. A Dapr SDK worker is connected to one
 * node only, while a Dapr SDK client talks to the other: instances it starts run on the worker, events it raises
 * reach them, and both nodes report the same state.
 */
import {
  DaprWorkflowClient,
  LogLevel,
  type WorkflowActivityContext,
  type WorkflowContext,
  WorkflowRuntime,
} from "@dapr/dapr";
import { afterAll, describe, expect, test, vi } from "vitest";
import { startWeft, type WeftProcess } from "../conformance/harness/weft-process.js";
import { freshSchema, testPostgresUrl } from "./database.js";

const url = await testPostgresUrl();

const shout = async (_: WorkflowActivityContext, text: string) => text.toUpperCase();
async function* greet(ctx: WorkflowContext, name: string): AsyncGenerator<unknown, string, string> {
  const loud: string = yield ctx.callActivity(shout, name);
  const suffix: string = yield ctx.waitForExternalEvent("suffix");
  return `hello ${loud}${suffix}`;
}

describe.skipIf(!url)("gRPC against any node", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  test("a client on one node drives instances a worker on another node runs", {
    timeout: 60_000,
  }, async () => {
    for (const method of ["log", "info", "warn", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation(() => {});
    }
    const { schema, drop } = await freshSchema(url!);
    cleanup.push(drop);
    const storeUrl = new URL(url!);
    storeUrl.searchParams.set("schema", schema);
    const nodes: WeftProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const node = await startWeft({ env: { WEFT_STORE: storeUrl.toString() } });
      cleanup.push(() => node.stop());
      nodes.push(node);
    }
    const sdkOptions = (node: WeftProcess) => ({
      daprHost: "127.0.0.1",
      daprPort: String(node.grpcPort),
      logger: { level: LogLevel.Error },
    });
    const worker = new WorkflowRuntime(sdkOptions(nodes[0]!)).registerWorkflow(greet).registerActivity(shout);
    await worker.start();
    cleanup.push(() => worker.stop());
    const client = new DaprWorkflowClient(sdkOptions(nodes[1]!));
    const workerSideClient = new DaprWorkflowClient(sdkOptions(nodes[0]!));
    cleanup.push(
      () => client.stop(),
      () => workerSideClient.stop(),
    );

    const ids = await Promise.all(
      ["ada", "grace", "linus"].map((name) => client.scheduleNewWorkflow(greet, name)),
    );
    for (const id of ids) {
      await client.waitForWorkflowStart(id, undefined, 30);
      await client.raiseEvent(id, "suffix", "!");
    }
    const outputs = await Promise.all(
      ids.map(async (id) => (await client.waitForWorkflowCompletion(id, true, 30))?.serializedOutput),
    );
    expect(outputs).toEqual(['"hello ADA!"', '"hello GRACE!"', '"hello LINUS!"']);
    for (const id of ids) {
      const seenByWorkerNode = await workerSideClient.getWorkflowState(id, true);
      expect(seenByWorkerNode?.runtimeStatus).toBe(1); // COMPLETED
      expect(seenByWorkerNode?.serializedOutput).toBe(
        (await client.getWorkflowState(id, true))?.serializedOutput,
      );
    }
  });
});
