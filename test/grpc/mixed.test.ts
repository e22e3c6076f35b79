/**
 * One engine serves in-process workflows and remote workers: a workflow registered by a remote worker
 * (@dapr/durabletask-js) calls an activity and a child workflow registered in-process, and the reverse. Tracing
 * is on, so the remote activity's ActivityRequest carries a trace context (a field the SDK's schema lacks).
 */
import { TaskHubGrpcClient, TaskHubGrpcWorker } from "@dapr/durabletask-js";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import type { ActivityContext, WorkflowContext } from "../../src/index.js";
import { WorkflowClient } from "../../src/index.js";
import { WorkflowTracing } from "../../src/observability/tracing.js";
import { type SidecarFixture, startSidecar } from "./harness.js";

// biome-ignore lint/suspicious/noExplicitAny: the SDK's orchestration context type is not exported by path
type RemoteContext = any;

let fixture: SidecarFixture;
let worker: TaskHubGrpcWorker;
let remoteClient: TaskHubGrpcClient;
const exporter = new InMemorySpanExporter();
const tracing = new WorkflowTracing(new SimpleSpanProcessor(exporter));

function* localWorkflow(ctx: WorkflowContext, name: string) {
  const greeting: string = yield* ctx.callActivity<string, string>("RemoteGreet", name);
  const shout: string = yield* ctx.callChildWorkflow<string, string>("RemoteShout", greeting);
  return shout;
}
const localGreet = (_: ActivityContext, name: string) => `local hello ${name}`;
function* localShout(_: WorkflowContext, text: string) {
  return `${text}!`;
}

async function* remoteWorkflow(ctx: RemoteContext, name: string): AsyncGenerator<unknown, string, string> {
  const greeting = yield ctx.callActivity("LocalGreet", name);
  return yield ctx.callSubOrchestrator("LocalShout", greeting);
}
async function* remoteShout(_: RemoteContext, text: string): AsyncGenerator<unknown, string, unknown> {
  return `${text.toUpperCase()}`;
}

beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "info").mockImplementation(() => {});
  fixture = await startSidecar(
    {},
    (runtime) => {
      runtime.registerWorkflowWithName("LocalWorkflow", localWorkflow);
      runtime.registerWorkflowWithName("LocalShout", localShout);
      runtime.registerActivityWithName("LocalGreet", localGreet);
    },
    { observe: tracing.observe, traces: tracing },
  );
  worker = new TaskHubGrpcWorker(fixture.address);
  worker.addNamedOrchestrator("RemoteWorkflow", remoteWorkflow);
  worker.addNamedOrchestrator("RemoteShout", remoteShout);
  worker.addNamedActivity("RemoteGreet", async (_ctx: unknown, name: string) => `remote hello ${name}`);
  await worker.start();
  remoteClient = new TaskHubGrpcClient(fixture.address);
});

afterAll(async () => {
  await worker.stop();
  await remoteClient.stop();
  await fixture.close();
  await tracing.shutdown();
  vi.restoreAllMocks();
});

test("an in-process workflow calls a remote activity and a remote child workflow", async () => {
  const client = new WorkflowClient(fixture.runtime);
  const id = await client.scheduleNewWorkflow("LocalWorkflow", "ada");
  const state = await client.waitForWorkflowCompletion(id, true, 20);
  expect(state?.runtimeStatus).toBe("COMPLETED");
  expect(state?.output).toBe("REMOTE HELLO ADA");
  // The remote activity ran traced: its request carried the activity span's context.
  expect(exporter.getFinishedSpans().some((s) => s.name === "activity RemoteGreet")).toBe(true);
});

test("a remote workflow calls an in-process activity and an in-process child workflow", async () => {
  const id = await remoteClient.scheduleNewOrchestration("RemoteWorkflow", "bob");
  const state = await remoteClient.waitForOrchestrationCompletion(id, true, 20);
  expect(state?.failureDetails).toBeUndefined();
  expect(state?.serializedOutput).toBe(JSON.stringify("local hello bob!"));
});
