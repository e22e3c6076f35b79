/**
 * Issue 22: a `workflow.temporal` component drives Temporal from every workflow route, through the official
 * client, against a gRPC double of Temporal's WorkflowService that records the exact requests and answers as
 * each test scripts it.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { ComponentResource } from "../../src/components/resources.js";
import { type Harness, harness, VERSIONS } from "../http/harness.js";
import { GrpcFailure, jsonPayload, TemporalDouble, timestamp } from "./temporal-double.js";

const NAMESPACE = "orders-ns";
const JSON_PLAIN = { encoding: "json/plain" };

let double: TemporalDouble;
let h: Harness;

beforeAll(async () => {
  double = await TemporalDouble.start();
  const temporal: ComponentResource = {
    name: "temporal",
    type: "workflow.temporal",
    metadata: {
      hostPort: double.address,
      namespace: NAMESPACE,
      taskQueue: "orders-queue",
      identity: "weft-test",
      apiKey: "secret-key",
      tls: "false",
      searchAttributes: "tenant",
    },
    file: "temporal.yaml",
  };
  h = await harness({ resources: [temporal] });
});
afterAll(async () => {
  await h?.close();
  await double?.close();
});
beforeEach(() => double.reset());

/** Describe answers one run of `OrderWorkflow` with this status (and close time when closed). */
function describes(statusName: string, closed = statusName !== "RUNNING" && statusName !== "PAUSED") {
  double.answer("DescribeWorkflowExecution", (request) => ({
    workflowExecutionInfo: {
      execution: { workflowId: (request.execution as { workflowId: string }).workflowId, runId: "run-1" },
      type: { name: "OrderWorkflow" },
      startTime: timestamp("2026-01-02T03:04:05.678Z"),
      executionTime: timestamp("2026-01-02T03:04:05.678Z"),
      ...(closed ? { closeTime: timestamp("2026-01-02T03:05:00.000Z") } : {}),
      status: `WORKFLOW_EXECUTION_STATUS_${statusName}`,
      memo: { fields: { tenant: jsonPayload('"acme"'), count: jsonPayload("3") } },
    },
  }));
}

/** The run's history: its first event carries the input, its close event (if asked for) `closeEvent`. */
function histories(closeEvent: Record<string, unknown> = {}) {
  double.answer("GetWorkflowExecutionHistory", (request) => ({
    history: {
      events:
        request.historyEventFilterType === "HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT"
          ? [{ eventId: 9, ...closeEvent }]
          : [
              {
                eventId: 1,
                workflowExecutionStartedEventAttributes: {
                  input: { payloads: [jsonPayload('{"item":"book"}')] },
                },
              },
            ],
    },
  }));
}

describe("start", () => {
  test("Dapr's start route starts a run: type, id, task queue, input bytes, memo and search attributes", async () => {
    double.answer("StartWorkflowExecution", () => ({ runId: "run-1", started: true }));
    const body = '{"qty": 12345678901234567890, "item": "book"}';
    const answer = await h.call(
      "POST",
      "/v1.0-beta1/workflows/temporal/OrderWorkflow/start?instanceID=o-1",
      body,
      {
        "dapr-workflow-metadata": "tenant=acme; region=eu",
      },
    );
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ instanceID: "o-1" });
    expect(answer.headers.location).toBe("/v1.0/workflows/temporal/o-1");
    const [call, ...more] = double.callsOf("StartWorkflowExecution");
    expect(more).toEqual([]);
    expect(call!.request).toEqual({
      namespace: NAMESPACE,
      workflowId: "o-1",
      workflowType: { name: "OrderWorkflow" },
      taskQueue: { name: "orders-queue" },
      // The body's bytes as they came: the large number keeps its digits.
      input: { payloads: [{ metadata: JSON_PLAIN, data: body }] },
      identity: "weft-test",
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      memo: {
        fields: {
          tenant: { metadata: JSON_PLAIN, data: '"acme"' },
          region: { metadata: JSON_PLAIN, data: '"eu"' },
        },
      },
      searchAttributes: {
        indexedFields: { tenant: { metadata: { ...JSON_PLAIN, type: "Keyword" }, data: '"acme"' } },
      },
    });
    expect(call!.metadata).toMatchObject({
      authorization: "Bearer secret-key",
      "temporal-namespace": NAMESPACE,
    });
  });

  test("no instance id draws a UUID; a body that is not JSON is sent as a JSON string; no body, no input", async () => {
    double.answer("StartWorkflowExecution", () => ({ runId: "run-1" }));
    const drawn = await h.call("POST", "/v1.0/workflows/temporal/OrderWorkflow/start", "plain text");
    expect(drawn.status).toBe(202);
    expect(drawn.json.instanceID).toMatch(/^[0-9a-f-]{36}$/);
    await h.call("POST", "/v1.0/workflows/temporal/OrderWorkflow/start?instanceID=o-2");
    const [text, empty] = double.callsOf("StartWorkflowExecution").map((c) => c.request);
    expect(text!.workflowId).toBe(drawn.json.instanceID);
    expect(text!.input).toEqual({ payloads: [{ metadata: JSON_PLAIN, data: '"plain text"' }] });
    expect(empty!.input).toBeUndefined();
    expect(empty!.memo).toBeUndefined();
  });

  test("the v1.0-alpha1 start form sends the body's `input` field", async () => {
    double.answer("StartWorkflowExecution", () => ({ runId: "run-1" }));
    const answer = await h.call(
      "POST",
      "/v1.0-alpha1/workflows/temporal/OrderWorkflow/o-3/start",
      '{"input": [1, 2]}',
    );
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ WFInfo: { instance_id: "o-3" } });
    expect(double.callsOf("StartWorkflowExecution")[0]!.request.input).toEqual({
      payloads: [{ metadata: JSON_PLAIN, data: "[1,2]" }],
    });
  });

  test("an id an active run holds is a 409 ERR_INSTANCE_ID_ALREADY_EXISTS", async () => {
    double.answer("StartWorkflowExecution", () => {
      throw new GrpcFailure(status.ALREADY_EXISTS, "Workflow execution is already running. WorkflowId: o-1", {
        type: "temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure",
        value: { startRequestId: "x", runId: "run-1" },
      });
    });
    const answer = await h.call("POST", "/v1.0/workflows/temporal/OrderWorkflow/start?instanceID=o-1");
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual({
      errorCode: "ERR_INSTANCE_ID_ALREADY_EXISTS",
      message: "an active workflow with ID 'o-1' already exists",
    });
  });
});

describe("get", () => {
  test("every API generation's GET builds Dapr's answer from describe, the first event and the close event", async () => {
    describes("COMPLETED");
    histories({
      workflowExecutionCompletedEventAttributes: { result: { payloads: [jsonPayload('{"shipped":true}')] } },
    });
    for (const version of VERSIONS) {
      double.reset();
      describes("COMPLETED");
      histories({
        workflowExecutionCompletedEventAttributes: {
          result: { payloads: [jsonPayload('{"shipped":true}')] },
        },
      });
      const answer = await h.call("GET", `/${version}/workflows/temporal/o-1`);
      expect(answer.status, version).toBe(200);
      expect(answer.json).toEqual({
        instanceID: "o-1",
        workflowName: "OrderWorkflow",
        createdAt: "2026-01-02T03:04:05.678Z",
        lastUpdatedAt: "2026-01-02T03:05:00.000Z",
        runtimeStatus: "COMPLETED",
        properties: { "dapr.workflow.input": '{"item":"book"}', "dapr.workflow.output": '{"shipped":true}' },
        metadata: { tenant: "acme", count: "3" },
      });
      expect(double.calls.map((c) => [c.method, c.request])).toEqual([
        ["DescribeWorkflowExecution", { namespace: NAMESPACE, execution: { workflowId: "o-1" } }],
        [
          "GetWorkflowExecutionHistory",
          { namespace: NAMESPACE, execution: { workflowId: "o-1", runId: "run-1" }, maximumPageSize: 1 },
        ],
        [
          "GetWorkflowExecutionHistory",
          {
            namespace: NAMESPACE,
            execution: { workflowId: "o-1", runId: "run-1" },
            historyEventFilterType: "HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT",
          },
        ],
      ]);
    }
  });

  test.each([
    ["RUNNING", "RUNNING", undefined, {}],
    ["PAUSED", "SUSPENDED", undefined, {}],
    [
      "FAILED",
      "FAILED",
      {
        workflowExecutionFailedEventAttributes: {
          failure: {
            message: "card declined",
            stackTrace: "at pay()",
            applicationFailureInfo: { type: "PaymentError" },
          },
        },
      },
      {
        "dapr.workflow.failure.error_type": "PaymentError",
        "dapr.workflow.failure.error_message": "card declined",
        "dapr.workflow.failure.stack_trace": "at pay()",
      },
    ],
    [
      "TIMED_OUT",
      "FAILED",
      { workflowExecutionTimedOutEventAttributes: { retryState: "RETRY_STATE_TIMEOUT" } },
      {
        "dapr.workflow.failure.error_type": "TimedOut",
        "dapr.workflow.failure.error_message": "the workflow run reached its Temporal timeout",
      },
    ],
    [
      "TERMINATED",
      "TERMINATED",
      {
        workflowExecutionTerminatedEventAttributes: {
          reason: "ops",
          details: { payloads: [jsonPayload('"stop"')] },
        },
      },
      { "dapr.workflow.output": '"stop"' },
    ],
    ["CANCELED", "CANCELED", { workflowExecutionCanceledEventAttributes: {} }, {}],
    [
      "CONTINUED_AS_NEW",
      "CONTINUED_AS_NEW",
      { workflowExecutionContinuedAsNewEventAttributes: { newExecutionRunId: "run-2" } },
      {},
    ],
  ])("Temporal %s is Dapr's %s", async (temporalStatus, daprStatus, closeEvent, properties) => {
    describes(temporalStatus);
    histories(closeEvent);
    const answer = await h.call("GET", "/v1.0/workflows/temporal/o-1");
    expect(answer.status).toBe(200);
    expect(answer.json.runtimeStatus).toBe(daprStatus);
    expect(answer.json.properties).toEqual({ "dapr.workflow.input": '{"item":"book"}', ...properties });
    // An open run has no close event to read.
    expect(double.callsOf("GetWorkflowExecutionHistory")).toHaveLength(closeEvent ? 2 : 1);
  });

  test("the v1.0-alpha1 GET answers WFInfo; an unknown id is a 404 ERR_INSTANCE_ID_NOT_FOUND", async () => {
    describes("RUNNING");
    histories();
    const alpha = await h.call("GET", "/v1.0-alpha1/workflows/temporal/OrderWorkflow/o-1");
    expect(alpha.status).toBe(200);
    expect(alpha.json).toEqual({
      WFInfo: { instance_id: "o-1" },
      start_time: "2026-01-02T03:04:05.678Z",
      metadata: { tenant: "acme", count: "3", status: "Running" },
    });
    double.answer("DescribeWorkflowExecution", () => {
      throw new GrpcFailure(status.NOT_FOUND, "workflow not found for ID: nope", {
        type: "temporal.api.errordetails.v1.NotFoundFailure",
        value: {},
      });
    });
    const missing = await h.call("GET", "/v1.0/workflows/temporal/nope");
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      errorCode: "ERR_INSTANCE_ID_NOT_FOUND",
      message: `no workflow instance with id 'nope' in Temporal namespace '${NAMESPACE}'`,
    });
  });
});

describe("raise, terminate, pause, resume, purge", () => {
  test("raiseEvent is a signal named after the event, with the body as its input, in both route forms", async () => {
    double.answer("SignalWorkflowExecution", () => ({}));
    expect(
      (await h.call("POST", "/v1.0/workflows/temporal/o-1/raiseEvent/approved", '{"by":"ann"}')).status,
    ).toBe(202);
    const seed = await h.call(
      "POST",
      "/v1.0/workflows/temporal/o-1/raiseEvent",
      '{"eventName":"paid","eventData":7}',
    );
    expect(seed.status).toBe(202);
    const signal = (name: string, data: string) => ({
      namespace: NAMESPACE,
      workflowExecution: { workflowId: "o-1" },
      signalName: name,
      input: { payloads: [{ metadata: JSON_PLAIN, data }] },
      identity: "weft-test",
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(double.callsOf("SignalWorkflowExecution").map((c) => c.request)).toEqual([
      signal("approved", '{"by":"ann"}'),
      signal("paid", "7"),
    ]);
  });

  test("an event or a terminate for a closed run is dropped (202); for an unknown id it is a 404", async () => {
    const gone = () => {
      throw new GrpcFailure(status.NOT_FOUND, "workflow execution already completed");
    };
    double.answer("SignalWorkflowExecution", gone).answer("TerminateWorkflowExecution", gone);
    describes("COMPLETED");
    expect((await h.call("POST", "/v1.0/workflows/temporal/o-1/raiseEvent/late")).status).toBe(202);
    expect((await h.call("POST", "/v1.0/workflows/temporal/o-1/terminate")).status).toBe(202);
    double.answer("DescribeWorkflowExecution", () => {
      throw new GrpcFailure(status.NOT_FOUND, "workflow not found for ID: nope");
    });
    const unknown = await h.call("POST", "/v1.0/workflows/temporal/nope/raiseEvent/late");
    expect(unknown.status).toBe(404);
    expect(unknown.json.errorCode).toBe("ERR_INSTANCE_ID_NOT_FOUND");
  });

  test("terminate sends the body as the termination's details, with a reason and the identity", async () => {
    double.answer("TerminateWorkflowExecution", () => ({}));
    expect((await h.call("POST", "/v1.0/workflows/temporal/o-1/terminate", '{"why":"fraud"}')).status).toBe(
      202,
    );
    expect(double.callsOf("TerminateWorkflowExecution")[0]!.request).toEqual({
      namespace: NAMESPACE,
      workflowExecution: { workflowId: "o-1" },
      reason: "terminated through Dapr's workflow API (Weft)",
      details: { payloads: [{ metadata: JSON_PLAIN, data: '{"why":"fraud"}' }] },
      identity: "weft-test",
    });
  });

  test("pause and suspend are Temporal's PauseWorkflowExecution, resume its UnpauseWorkflowExecution", async () => {
    double.answer("PauseWorkflowExecution", () => ({})).answer("UnpauseWorkflowExecution", () => ({}));
    for (const url of ["/v1.0/workflows/temporal/o-1/pause", "/v1.0/workflows/temporal/o-1/suspend"]) {
      expect((await h.call("POST", url)).status).toBe(202);
    }
    expect((await h.call("POST", "/v1.0/workflows/temporal/o-1/resume")).status).toBe(202);
    const request = (reason: string) => ({
      namespace: NAMESPACE,
      workflowId: "o-1",
      identity: "weft-test",
      reason: `${reason} through Dapr's workflow API (Weft)`,
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(double.callsOf("PauseWorkflowExecution").map((c) => c.request)).toEqual([
      request("paused"),
      request("paused"),
    ]);
    expect(double.callsOf("UnpauseWorkflowExecution").map((c) => c.request)).toEqual([request("resumed")]);
  });

  test("a server without workflow pause answers pause with a 501 in Dapr's error shape", async () => {
    // Nothing scripted: the double answers UNIMPLEMENTED, as a server that predates the RPC does.
    const answer = await h.call("POST", "/v1.0/workflows/temporal/o-1/pause");
    expect(answer.status).toBe(501);
    expect(answer.json.errorCode).toBe("ERR_PAUSE_WORKFLOW");
    expect(answer.json.message).toContain("does not implement PauseWorkflowExecution");
  });

  test("resume of a run that is not paused is a no-op, as in Dapr", async () => {
    double.answer("UnpauseWorkflowExecution", () => {
      throw new GrpcFailure(status.FAILED_PRECONDITION, "workflow is not paused");
    });
    describes("RUNNING");
    expect((await h.call("POST", "/v1.0/workflows/temporal/o-1/resume")).status).toBe(202);
    describes("PAUSED");
    const paused = await h.call("POST", "/v1.0/workflows/temporal/o-1/resume");
    expect(paused.status).toBe(409);
    expect(paused.json.errorCode).toBe("ERR_RESUME_WORKFLOW");
  });

  test("purge deletes a closed run (both route forms); a running one is a 409 and nothing is deleted", async () => {
    double.answer("DeleteWorkflowExecution", () => ({}));
    describes("COMPLETED");
    expect((await h.call("POST", "/v1.0/workflows/temporal/o-1/purge")).status).toBe(202);
    expect((await h.call("DELETE", "/v1.0/workflows/temporal/o-1")).status).toBe(200);
    expect(double.callsOf("DeleteWorkflowExecution").map((c) => c.request)).toEqual([
      { namespace: NAMESPACE, workflowExecution: { workflowId: "o-1", runId: "run-1" } },
      { namespace: NAMESPACE, workflowExecution: { workflowId: "o-1", runId: "run-1" } },
    ]);
    double.reset();
    double.answer("DeleteWorkflowExecution", () => ({}));
    describes("RUNNING");
    const running = await h.call("POST", "/v1.0/workflows/temporal/o-1/purge");
    expect(running.status).toBe(409);
    expect(running.json).toEqual({
      errorCode: "ERR_PURGE_WORKFLOW",
      message: "workflow instance 'o-1' is RUNNING; only finished instances can be purged",
    });
    expect(double.callsOf("DeleteWorkflowExecution")).toEqual([]);
  });

  test("the built-in engine still answers its own component and the older route forms", async () => {
    expect((await h.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=b-1", '"x"')).status).toBe(202);
    expect((await h.call("POST", "/v1.0/workflows/Echo/b-2/start", '"y"')).status).toBe(202);
    expect((await h.call("GET", "/v1.0/workflows/dapr/b-1")).json.workflowName).toBe("Echo");
    expect(double.calls).toEqual([]);
  });
});
