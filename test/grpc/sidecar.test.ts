/**
 * The sidecar driven by hand over raw gRPC: the work-item protocol turn by turn, Dapr's newer RPCs, the API
 * token, message limits and protocol errors.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, test } from "vitest";
import { type SidecarFixture, startSidecar } from "./harness.js";
import { RawClient } from "./raw-client.js";

// biome-ignore lint/suspicious/noExplicitAny: raw protocol messages; the assertions check their shape
type Item = Record<string, any>;

let fixture: SidecarFixture | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await fixture?.close();
  fixture = undefined;
});

async function setup(options: Parameters<typeof startSidecar>[0] = {}, token?: string) {
  fixture = await startSidecar(options);
  const client = new RawClient(fixture.address, token);
  clients.push(client);
  return client;
}

const inFuture = () => ({ seconds: Math.floor(Date.now() / 1000) + 3600 });

describe("the work-item protocol, by hand", () => {
  test("a turn carries full history; action ids become event ids; CompleteWorkflowTask is accepted", async () => {
    const client = await setup();
    const worker = client.workItems();
    const started = client.call("StartInstance", {
      instanceId: "chain",
      name: "Chain",
      input: { value: "1" },
    });

    const first: Item = await worker.next();
    const turn1 = first.orchestratorRequest;
    expect(turn1.instanceId).toBe("chain");
    expect(turn1.pastEvents).toEqual([]);
    expect(turn1.newEvents.map((e: Item) => e.eventType)).toEqual([
      "orchestratorStarted",
      "executionStarted",
    ]);
    expect(turn1.newEvents[1].executionStarted).toMatchObject({ name: "Chain", input: { value: "1" } });
    await client.call("CompleteWorkflowTask", {
      instanceId: "chain",
      actions: [{ id: 1, scheduleTask: { name: "Double", input: { value: "1" } } }],
      customStatus: { value: "step 1" },
    });
    await expect(started).resolves.toEqual({ instanceId: "chain" });

    const second: Item = await worker.next();
    expect(second.activityRequest).toMatchObject({
      name: "Double",
      input: { value: "1" },
      taskId: 1,
      orchestrationInstance: { instanceId: "chain" },
    });
    await client.call("CompleteActivityTask", { instanceId: "chain", taskId: 1, result: { value: "2" } });

    const third: Item = await worker.next();
    const turn2 = third.orchestratorRequest;
    expect(turn2.pastEvents.map((e: Item) => [e.eventType, e.eventId])).toEqual([
      ["orchestratorStarted", -1],
      ["executionStarted", -1],
      ["taskScheduled", 1],
    ]);
    expect(turn2.newEvents[1].taskCompleted).toEqual({ taskScheduledId: 1, result: { value: "2" } });
    await client.call("CompleteOrchestratorTask", {
      instanceId: "chain",
      actions: [
        {
          id: 2,
          completeOrchestration: {
            orchestrationStatus: "ORCHESTRATION_STATUS_COMPLETED",
            result: { value: "2" },
          },
        },
      ],
    });

    const done: Item = await client.call("WaitForInstanceCompletion", {
      instanceId: "chain",
      getInputsAndOutputs: true,
    });
    expect(done.orchestrationState).toMatchObject({
      orchestrationStatus: "ORCHESTRATION_STATUS_COMPLETED",
      output: { value: "2" },
      customStatus: { value: "step 1" },
    });
    const history: Item = await client.call("GetInstanceHistory", { instanceId: "chain" });
    expect(history.events.map((e: Item) => e.eventType)).toEqual([
      "orchestratorStarted",
      "executionStarted",
      "taskScheduled",
      "orchestratorStarted",
      "taskCompleted",
      "executionCompleted",
    ]);
    worker.cancel();
  });

  test("a turn out on a stream that closes is dispatched again to the next worker", async () => {
    const client = await setup();
    const first = client.workItems();
    client.call("StartInstance", { instanceId: "moved", name: "W" }).catch(() => {});
    await first.next();
    first.cancel();
    const second = client.workItems();
    const again: Item = await second.next();
    expect(again.orchestratorRequest.instanceId).toBe("moved");
    expect(again.orchestratorRequest.newEvents.map((e: Item) => e.eventType)).toEqual([
      "orchestratorStarted",
      "executionStarted",
    ]);
    second.cancel();
  });

  test("an action Weft cannot apply fails the workflow with the reason", async () => {
    const client = await setup();
    const worker = client.workItems();
    client.call("StartInstance", { instanceId: "bad", name: "W" }).catch(() => {});
    await worker.next();
    await client.call("CompleteOrchestratorTask", { instanceId: "bad", actions: [{ id: 1 }] });
    const done: Item = await client.call("WaitForInstanceCompletion", {
      instanceId: "bad",
      getInputsAndOutputs: true,
    });
    expect(done.orchestrationState.orchestrationStatus).toBe("ORCHESTRATION_STATUS_FAILED");
    expect(done.orchestrationState.failureDetails).toMatchObject({ errorType: "InvalidWorkerResponse" });
    worker.cancel();
  });

  test("results for nothing that is out are refused with NOT_FOUND", async () => {
    const client = await setup();
    await expect(client.call("CompleteOrchestratorTask", { instanceId: "nope" })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    await expect(
      client.call("CompleteActivityTask", { instanceId: "nope", taskId: 1 }),
    ).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });
});

describe("Dapr's newer client RPCs", () => {
  test("ListInstanceIDs pages through ids, newest first, with an opaque continuation token", async () => {
    const client = await setup();
    for (const id of ["c", "a", "b"]) {
      await client.call("StartInstance", { instanceId: id, name: "W", scheduledStartTimestamp: inFuture() });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const page1: Item = await client.call("ListInstanceIDs", { pageSize: 2 });
    expect(page1.instanceIds).toEqual(["b", "a"]);
    expect(page1.continuationToken).toEqual(expect.any(String));
    const page2: Item = await client.call("ListInstanceIDs", {
      pageSize: 2,
      continuationToken: page1.continuationToken,
    });
    expect(page2.instanceIds).toEqual(["c"]);
    expect(page2.continuationToken).toBeUndefined();
    await expect(
      client.call("ListInstanceIDs", { pageSize: 2, continuationToken: "not-a-token" }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  test("RerunWorkflowFromEvent starts a new instance that reruns the step with a new input", async () => {
    const client = await setup();
    const worker = client.workItems();
    const started = client.call("StartInstance", { instanceId: "source", name: "W", input: { value: "1" } });
    await worker.next();
    await client.call("CompleteWorkflowTask", {
      instanceId: "source",
      actions: [{ id: 1, scheduleTask: { name: "A", input: { value: "1" } } }],
    });
    await started;
    await worker.next();
    await client.call("CompleteActivityTask", { instanceId: "source", taskId: 1, result: { value: "2" } });
    await worker.next();
    await client.call("CompleteWorkflowTask", {
      instanceId: "source",
      actions: [{ id: 2, completeOrchestration: { orchestrationStatus: 1, result: { value: "2" } } }],
    });
    await client.call("WaitForInstanceCompletion", { instanceId: "source" });

    const rerun: Item = await client.call("RerunWorkflowFromEvent", {
      sourceInstanceID: "source",
      eventID: 1,
      newInstanceID: "again",
      input: { value: "7" },
      overwriteInput: true,
    });
    expect(rerun).toEqual({ newInstanceID: "again" });
    const activity: Item = await worker.next();
    expect(activity.activityRequest).toMatchObject({
      name: "A",
      input: { value: "7" },
      taskId: 1,
      orchestrationInstance: { instanceId: "again" },
    });
    await client.call("CompleteActivityTask", { instanceId: "again", taskId: 1, result: { value: "14" } });
    const turn: Item = await worker.next();
    const past = turn.orchestratorRequest.pastEvents.map((e: Item) => e.eventType);
    expect(past).toEqual(["orchestratorStarted", "executionStarted", "taskScheduled"]);
    expect(turn.orchestratorRequest.newEvents.at(-1).taskCompleted).toMatchObject({
      result: { value: "14" },
    });
    await expect(
      client.call("RerunWorkflowFromEvent", { sourceInstanceID: "again", eventID: 1 }),
    ).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
    });
  });

  test("GetInstanceHistory of an unknown instance is NOT_FOUND", async () => {
    const client = await setup();
    await expect(client.call("GetInstanceHistory", { instanceId: "nope" })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  test("a scheduled start does not wait for a worker and stays PENDING", async () => {
    const client = await setup();
    await client.call("StartInstance", {
      instanceId: "later",
      name: "W",
      scheduledStartTimestamp: inFuture(),
    });
    const state: Item = await client.call("GetInstance", { instanceId: "later" });
    expect(state.orchestrationState.orchestrationStatus).toBe("ORCHESTRATION_STATUS_PENDING");
  });
});

describe("limits and the API token", () => {
  test("with a token configured, calls and work-item streams without it are UNAUTHENTICATED", async () => {
    await setup({ apiToken: "s3cret" });
    const anonymous = new RawClient(fixture!.address);
    const wrong = new RawClient(fixture!.address, "guess");
    const right = new RawClient(fixture!.address, "s3cret");
    clients.push(anonymous, wrong, right);
    await expect(anonymous.call("Hello", {})).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(wrong.call("GetInstance", { instanceId: "x" })).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
    });
    await expect(anonymous.workItems().failed).resolves.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(right.call("Hello", {})).resolves.toEqual({});
    await expect(right.call("GetInstance", { instanceId: "x" })).resolves.toEqual({ exists: false });
  });

  test("messages above grpc-js' 4 MiB default are accepted up to the configured bound", async () => {
    const client = await setup({ maxMessageBytes: 8 * 1024 * 1024 });
    const big = JSON.stringify("x".repeat(5 * 1024 * 1024));
    const start = { name: "W", input: { value: big }, scheduledStartTimestamp: inFuture() };
    await expect(client.call("StartInstance", { ...start, instanceId: "big" })).resolves.toEqual({
      instanceId: "big",
    });
    const tooBig = JSON.stringify("x".repeat(9 * 1024 * 1024));
    await expect(client.call("StartInstance", { ...start, input: { value: tooBig } })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
  });

  test("bad requests get INVALID_ARGUMENT, unknown instances NOT_FOUND, reused active ids ALREADY_EXISTS", async () => {
    const client = await setup();
    await expect(client.call("StartInstance", { instanceId: "x" })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    await expect(client.call("RaiseEvent", { instanceId: "nope", name: "e" })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    const start = { instanceId: "dup", name: "W", scheduledStartTimestamp: inFuture() };
    await client.call("StartInstance", start);
    await expect(client.call("StartInstance", start)).rejects.toMatchObject({ code: status.ALREADY_EXISTS });
  });
});
