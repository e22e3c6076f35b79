/**
 * Issue 17, item 1 on the gRPC edge: the defects found by hand, each with the rule that now refuses it.
 * Huge ids answer INVALID_ARGUMENT at once and leave the connection usable; undecodable bytes are INVALID_ARGUMENT,
 * not INTERNAL; a worker's timer outside the representable range fails its workflow cleanly and the history
 * stays readable; payloads nested too deep and times out of range are refused.
 */
import { type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fromWireOrchestratorResponse } from "../../src/api/grpc/translate-work.js";
import { createHttpApp } from "../../src/api/http/app.js";
import { type SidecarFixture, startSidecar } from "../grpc/harness.js";
import { RawClient } from "../grpc/raw-client.js";
import { BytesClient } from "./bytes-client.js";

// biome-ignore lint/suspicious/noExplicitAny: raw protocol messages; the assertions check their shape
type Item = Record<string, any>;

let fixture: SidecarFixture;
let client: RawClient;
beforeAll(async () => {
  fixture = await startSidecar();
  client = new RawClient(fixture.address);
});
afterAll(async () => {
  client.close();
  await fixture.close();
});

const refusal = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: ServiceError) => error,
  );
const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

describe("ids", () => {
  const huge = "x".repeat(100_000);
  test.each([
    ["RaiseEvent", { instanceId: huge, name: "go" }],
    ["GetInstanceHistory", { instanceId: huge }],
    ["TerminateInstance", { instanceId: huge }],
    ["PurgeInstances", { instanceId: huge }],
    ["RerunWorkflowFromEvent", { sourceInstanceID: huge, eventID: 1 }],
    ["GetInstance", { instanceId: huge }],
    ["SuspendInstance", { instanceId: huge }],
  ])(
    "%s with a 100 KB id: INVALID_ARGUMENT quoting a short prefix; the connection still answers",
    async (method, request) => {
      const started = Date.now();
      const error = await refusal(client.call(method, request));
      expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect(error!.details).toMatch(
        /^workflow instance ID 'x{40}…' \(100000 characters\) is 100000 characters long; the limit is 256$/,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      await expect(client.call("Hello", {})).resolves.toEqual({});
    },
  );

  test("a new id follows Dapr's rule; an id that addresses an instance may be a child id", async () => {
    for (const instanceId of ["a:b", "a".repeat(65), "a b"]) {
      const error = await refusal(client.call("StartInstance", { instanceId, name: "W" }));
      expect(error, instanceId).toMatchObject({ code: status.INVALID_ARGUMENT });
    }
    await expect(client.call("GetInstance", { instanceId: "parent:0001" })).resolves.toEqual({
      exists: false,
    });
  });
});

test("a message with an unpaired surrogate (a bad continuation token) answers INVALID_ARGUMENT, not a hung call", async () => {
  // grpc-js percent-encodes a status's details and throws on an unpaired surrogate; the call then never answered.
  const error = await refusal(client.call("ListInstanceIDs", { continuationToken: "ab\ud800cd" }));
  expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
  expect(error!.details).toContain("\ufffd");
  await expect(client.call("Hello", {})).resolves.toEqual({});
});

describe("undecodable requests", () => {
  let raw: BytesClient;
  beforeAll(() => {
    raw = new BytesClient(fixture.address);
  });
  afterAll(() => raw.close());

  test.each(["StartInstance", "RaiseEvent", "CompleteOrchestratorTask", "ListInstanceIDs", "Hello"])(
    "%s: bytes that are no protobuf message are INVALID_ARGUMENT",
    async (method) => {
      const error = await raw.unary(method, Buffer.from([0x08]));
      expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect(error!.details).toMatch(/not a valid protobuf message/);
    },
  );

  test("GetWorkItems: the stream ends with INVALID_ARGUMENT", async () => {
    const error = await raw.stream("GetWorkItems", Buffer.from([0x0f]));
    expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});

describe("payloads, names and times from clients", () => {
  test("a payload nested deeper than 100 levels is refused; 100 levels are fine", async () => {
    const error = await refusal(client.call("StartInstance", { name: "W", input: { value: deep(101) } }));
    expect(error).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/more than 100 levels/),
    });
    const raise = await refusal(
      client.call("RaiseEvent", { instanceId: "nobody", name: "go", input: { value: deep(5000) } }),
    );
    expect(raise).toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(
      client.call("StartInstance", {
        instanceId: "fine-depth",
        name: "W",
        input: { value: deep(100) },
        scheduledStartTimestamp: { seconds: 253402300799 },
      }),
    ).resolves.toEqual({ instanceId: "fine-depth" });
  });

  test("names: control characters and more than 256 characters are refused", async () => {
    for (const name of ["a\u0000b", "n".repeat(257), "tab\there"]) {
      const error = await refusal(client.call("RaiseEvent", { instanceId: "fine-depth", name }));
      expect(error, name.slice(0, 5)).toMatchObject({ code: status.INVALID_ARGUMENT });
    }
  });

  test("times outside years 1-9999 are refused", async () => {
    for (const ts of [
      { seconds: 253402300800 },
      { seconds: -62135596801 },
      { seconds: 1, nanos: 1_000_000_000 },
      { seconds: 9e18 },
    ]) {
      const error = await refusal(client.call("StartInstance", { name: "W", scheduledStartTimestamp: ts }));
      expect(error, JSON.stringify(ts)).toMatchObject({ code: status.INVALID_ARGUMENT });
      const purge = await refusal(
        client.call("PurgeInstances", { purgeInstanceFilter: { createdTimeFrom: ts } }),
      );
      expect(purge, JSON.stringify(ts)).toMatchObject({ code: status.INVALID_ARGUMENT });
    }
  });
});

describe("a worker's answers", () => {
  test("a timer outside the date range fails the workflow cleanly; its history stays readable", async () => {
    const worker = client.workItems();
    client.call("StartInstance", { instanceId: "far-timer", name: "W" }).catch(() => {});
    await worker.next();
    await client.call("CompleteOrchestratorTask", {
      instanceId: "far-timer",
      actions: [{ id: 0, createTimer: { fireAt: { seconds: 9e15 } } }],
    });
    const done: Item = await client.call("WaitForInstanceCompletion", {
      instanceId: "far-timer",
      getInputsAndOutputs: true,
    });
    worker.cancel();
    expect(done.orchestrationState.orchestrationStatus).toBe("ORCHESTRATION_STATUS_FAILED");
    expect(done.orchestrationState.failureDetails).toMatchObject({
      errorType: "InvalidWorkerResponse",
      errorMessage: expect.stringMatching(/^action 0: 'fireAt' must be a time from 0001-01-01/),
    });
    const app = await createHttpApp({ runtime: fixture.runtime });
    const history = await app.inject({ method: "GET", url: "/weft/v1/instances/far-timer/history" });
    await app.close();
    expect(history.statusCode).toBe(200);
  });

  test("an activity result nested too deep fails the activity, not the call", async () => {
    const worker = client.workItems();
    client.call("StartInstance", { instanceId: "deep-result", name: "W" }).catch(() => {});
    await worker.next();
    await client.call("CompleteOrchestratorTask", {
      instanceId: "deep-result",
      actions: [{ id: 0, scheduleTask: { name: "A" } }],
    });
    const activity: Item = await worker.next();
    expect(activity.activityRequest.name).toBe("A");
    await client.call("CompleteActivityTask", {
      instanceId: "deep-result",
      taskId: 0,
      result: { value: deep(500) },
    });
    const turn: Item = await worker.next();
    worker.cancel();
    expect(turn.orchestratorRequest.newEvents.at(-1).taskFailed.failureDetails).toMatchObject({
      errorType: "InvalidWorkerResponse",
      errorMessage: "'result' nests arrays and objects more than 100 levels deep",
    });
  });
});

describe("a worker's turn answer that breaks the rules fails the workflow with the rule", () => {
  const failureOf = (response: Parameters<typeof fromWireOrchestratorResponse>[1]) =>
    fromWireOrchestratorResponse("i1", response);

  test.each([
    [
      { id: 3, scheduleTask: { name: "a\u0000b" } },
      /^action 3: the activity name 'a.b' holds a control character/,
    ],
    [
      { id: 4, sendEvent: { instance: { instanceId: "a/b" }, name: "go" } },
      /^action 4: workflow instance ID 'a\/b' is invalid/,
    ],
    [
      { id: 5, createSubOrchestration: { name: "W", instanceId: "c".repeat(300) } },
      /^action 5: workflow instance ID 'c{40}…' \(300 characters\)/,
    ],
    [{ id: 6, createTimer: { fireAt: { seconds: 1, nanos: -1 } } }, /^action 6: 'fireAt' has nanos outside/],
  ])("%o", (action, message) => {
    const [only] = failureOf({ actions: [action] }).actions;
    expect(only).toMatchObject({
      type: "CompleteWorkflow",
      status: "FAILED",
      failure: { errorType: "InvalidWorkerResponse" },
    });
    expect((only as { failure: { message: string } }).failure.message).toMatch(message);
  });

  test("a custom status nested too deep fails the turn and is not kept", () => {
    const result = failureOf({ customStatus: { value: deep(101) }, actions: [] });
    expect(result.customStatus).toBeUndefined();
    expect(result.actions[0]).toMatchObject({
      status: "FAILED",
      failure: {
        message: "the custom status: 'customStatus' nests arrays and objects more than 100 levels deep",
      },
    });
  });
});
