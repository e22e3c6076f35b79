/**
 * Wire compatibility with the schema the JS SDKs were generated from: what Weft encodes is decoded by the SDK's
 * own google-protobuf stubs, and what the SDK's helpers build is decoded and translated by Weft.
 */

import * as daprPb from "@dapr/dapr/workflow/internal/durabletask/proto/orchestrator_service_pb.js";
import * as pb from "@dapr/durabletask-js/proto/orchestrator_service_pb.js";
import * as pbh from "@dapr/durabletask-js/utils/pb-helper.util.js";
import { StringValue } from "google-protobuf/google/protobuf/wrappers_pb.js";
import { describe, expect, test } from "vitest";
import { taskHubService } from "../../src/api/grpc/service-definition.js";
import { fromWireStatus, toWireStatus } from "../../src/api/grpc/translate-events.js";
import { startTimeOf } from "../../src/api/grpc/translate-state.js";
import {
  fromWireOrchestratorResponse,
  toWireActivityRequest,
  toWireOrchestratorRequest,
} from "../../src/api/grpc/translate-work.js";
import type { WireOrchestratorResponse } from "../../src/api/grpc/wire.js";
import { type HistoryEvent, RUNTIME_STATUSES } from "../../src/core/history.js";

const T = 1_700_000_000_123;
const failure = { errorType: "Boom", message: "it broke", stackTrace: "at x" };

const history: HistoryEvent[] = [
  { type: "WorkflowStarted", eventId: -1, timestamp: T },
  {
    type: "ExecutionStarted",
    eventId: -1,
    timestamp: T,
    name: "Flow",
    instanceId: "i1",
    executionId: "e1",
    input: '"in"',
    parent: { instanceId: "p", executionId: "pe", name: "ParentFlow", taskScheduledId: 7 },
  },
  { type: "TaskScheduled", eventId: 1, timestamp: T, name: "Act", input: "1" },
  { type: "TaskCompleted", eventId: -1, timestamp: T, taskScheduledId: 1, result: "2" },
  { type: "TaskFailed", eventId: -1, timestamp: T, taskScheduledId: 1, failure },
  { type: "TimerCreated", eventId: 2, timestamp: T, fireAt: T + 5000 },
  { type: "TimerFired", eventId: -1, timestamp: T, timerId: 2, fireAt: T + 5000 },
  { type: "ChildWorkflowInstanceCreated", eventId: 3, timestamp: T, instanceId: "i1:0003", name: "Kid" },
  { type: "ChildWorkflowInstanceCompleted", eventId: -1, timestamp: T, taskScheduledId: 3, result: "3" },
  { type: "ChildWorkflowInstanceFailed", eventId: -1, timestamp: T, taskScheduledId: 3, failure },
  { type: "EventRaised", eventId: -1, timestamp: T, name: "Approval", input: "true" },
  { type: "EventSent", eventId: 4, timestamp: T, instanceId: "other", name: "Ping", input: "1" },
  { type: "ExecutionSuspended", eventId: -1, timestamp: T },
  { type: "ExecutionResumed", eventId: -1, timestamp: T },
  { type: "ExecutionTerminated", eventId: -1, timestamp: T, input: '"bye"', recurse: false },
  { type: "ExecutionCompleted", eventId: 5, timestamp: T, status: "FAILED", failure },
];

const C = pb.HistoryEvent.EventtypeCase;

describe("Weft -> the SDKs' stubs", () => {
  test("every history event decodes with the SDK's stubs, ids and times intact", () => {
    const item = { orchestratorRequest: toWireOrchestratorRequest("i1", "e1", history, history.slice(0, 1)) };
    const bytes = taskHubService().GetWorkItems!.responseSerialize(item);
    const request = pb.WorkItem.deserializeBinary(bytes).getOrchestratorrequest()!;
    expect(request.getInstanceid()).toBe("i1");
    const past = request.getPasteventsList();
    expect(past.map((e) => e.getEventtypeCase())).toEqual([
      C.ORCHESTRATORSTARTED,
      C.EXECUTIONSTARTED,
      C.TASKSCHEDULED,
      C.TASKCOMPLETED,
      C.TASKFAILED,
      C.TIMERCREATED,
      C.TIMERFIRED,
      C.SUBORCHESTRATIONINSTANCECREATED,
      C.SUBORCHESTRATIONINSTANCECOMPLETED,
      C.SUBORCHESTRATIONINSTANCEFAILED,
      C.EVENTRAISED,
      C.EVENTSENT,
      C.EXECUTIONSUSPENDED,
      C.EXECUTIONRESUMED,
      C.EXECUTIONTERMINATED,
      C.EXECUTIONCOMPLETED,
    ]);
    expect(past.map((e) => e.getEventid())).toEqual(history.map((e) => e.eventId));
    expect(past[0]!.getTimestamp()!.toDate().getTime()).toBe(T);
    const started = past[1]!.getExecutionstarted()!;
    expect([
      started.getName(),
      started.getInput()!.getValue(),
      started.getOrchestrationinstance()!.getInstanceid(),
    ]).toEqual(["Flow", '"in"', "i1"]);
    expect(started.getParentinstance()!.getTaskscheduledid()).toBe(7);
    expect(started.hasCorrelationdata()).toBe(false);
    expect(past[3]!.getTaskcompleted()!.getTaskscheduledid()).toBe(1);
    expect(past[4]!.getTaskfailed()!.getFailuredetails()!.getErrormessage()).toBe("it broke");
    expect(past[6]!.getTimerfired()!.getTimerid()).toBe(2);
    expect(past[6]!.getTimerfired()!.getFireat()!.toDate().getTime()).toBe(T + 5000);
    expect(past[10]!.getEventraised()!.getName()).toBe("Approval");
    expect(past[14]!.getExecutionterminated()!.getInput()!.getValue()).toBe('"bye"');
    expect(past[15]!.getExecutioncompleted()!.getOrchestrationstatus()).toBe(
      pb.OrchestrationStatus.ORCHESTRATION_STATUS_FAILED,
    );
  });

  test("an ActivityRequest's trace context (field 6 of Dapr's current schema) is skipped by both JS SDKs' stubs", () => {
    const task = { instanceId: "i1", executionId: "e1", taskId: 4, name: "Act", input: '"x"' };
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const bytes = taskHubService().GetWorkItems!.responseSerialize({
      activityRequest: toWireActivityRequest(task, traceparent),
    });
    for (const stubs of [pb, daprPb]) {
      const request = stubs.WorkItem.deserializeBinary(bytes).getActivityrequest()!;
      expect(request.getName()).toBe("Act");
      expect(request.getTaskid()).toBe(4);
      expect(request.getInput()!.getValue()).toBe('"x"');
      expect(request.getOrchestrationinstance()!.getInstanceid()).toBe("i1");
    }
    // A newer-schema reader (Weft's own proto declares the field) gets the trace context.
    const decoded = taskHubService().GetWorkItems!.responseDeserialize(bytes) as {
      activityRequest: { parentTraceContext?: { traceParent?: string } };
    };
    expect(decoded.activityRequest.parentTraceContext?.traceParent).toBe(traceparent);
    // Without tracing, nothing is sent.
    const plain = taskHubService().GetWorkItems!.responseSerialize({
      activityRequest: toWireActivityRequest(task),
    });
    expect(plain.length).toBeLessThan(bytes.length);
  });

  test("no Weft status maps to CANCELED or STALLED, which the JS clients cannot parse", () => {
    const statuses = [...RUNTIME_STATUSES];
    const sent = statuses.map(toWireStatus);
    expect(sent).not.toContain("ORCHESTRATION_STATUS_CANCELED");
    expect(sent).not.toContain("ORCHESTRATION_STATUS_STALLED");
    expect(statuses.map((s) => fromWireStatus(toWireStatus(s)))).toEqual(statuses);
    expect(fromWireStatus(8)).toBeUndefined();
  });
});

describe("the SDKs' actions -> Weft", () => {
  const decode = (response: pb.OrchestratorResponse) =>
    taskHubService().CompleteOrchestratorTask!.requestDeserialize(
      Buffer.from(response.serializeBinary()),
    ) as WireOrchestratorResponse;

  test("each action the SDKs emit translates to Weft's action with the same id", () => {
    const response = new pb.OrchestratorResponse();
    response.setInstanceid("i1");
    const carried = pbh.newEventRaisedEvent("approval", '"yes"');
    response.setActionsList([
      pbh.newScheduleTaskAction(1, "Act", "1"),
      pbh.newCreateTimerAction(2, new Date(T)),
      pbh.newCreateSubOrchestrationAction(3, "Kid", undefined, "2"),
      pbh.newCreateSubOrchestrationAction(4, "Kid", "named-child", undefined),
      pbh.newCompleteOrchestrationAction(
        5,
        pb.OrchestrationStatus.ORCHESTRATION_STATUS_CONTINUED_AS_NEW,
        "9",
        undefined,
        [carried],
      ),
    ]);
    const result = fromWireOrchestratorResponse("i1", decode(response));
    expect(result.actions).toEqual([
      { type: "ScheduleTask", id: 1, name: "Act", input: "1" },
      { type: "CreateTimer", id: 2, fireAt: T },
      { type: "CreateChildWorkflow", id: 3, instanceId: "i1:0003", name: "Kid", input: "2" },
      { type: "CreateChildWorkflow", id: 4, instanceId: "named-child", name: "Kid", input: undefined },
      {
        type: "CompleteWorkflow",
        id: 5,
        status: "CONTINUED_AS_NEW",
        result: "9",
        carryoverEvents: [
          {
            type: "EventRaised",
            eventId: -1,
            timestamp: expect.any(Number),
            name: "approval",
            input: '"yes"',
          },
        ],
      },
    ]);
    expect(result.customStatus).toBeUndefined();
  });

  test("an empty custom status StringValue is the empty string; an absent one leaves the status alone", () => {
    const response = new pb.OrchestratorResponse();
    response.setInstanceid("i1");
    response.setCustomstatus(new StringValue());
    expect(fromWireOrchestratorResponse("i1", decode(response)).customStatus).toBe("");
  });

  test("@dapr/durabletask-js 1.0.0's crash report (FAILED, text in result, no details) keeps the text", () => {
    const response = new pb.OrchestratorResponse();
    response.setInstanceid("i1");
    response.setActionsList([
      pbh.newCompleteOrchestrationAction(
        -1,
        pb.OrchestrationStatus.ORCHESTRATION_STATUS_FAILED,
        "OrchestrationStateError,no events",
      ),
    ]);
    expect(fromWireOrchestratorResponse("i1", decode(response)).actions).toEqual([
      {
        type: "CompleteWorkflow",
        id: -1,
        status: "FAILED",
        failure: { errorType: "WorkflowExecutionError", message: "OrchestrationStateError,no events" },
      },
    ]);
  });

  test("a completion with a status Weft has no meaning for fails the workflow instead", () => {
    const response = new pb.OrchestratorResponse();
    response.setInstanceid("i1");
    response.setActionsList([
      pbh.newCompleteOrchestrationAction(1, pb.OrchestrationStatus.ORCHESTRATION_STATUS_CANCELED),
    ]);
    const [action] = fromWireOrchestratorResponse("i1", decode(response)).actions;
    expect(action).toMatchObject({
      type: "CompleteWorkflow",
      status: "FAILED",
      failure: { errorType: "InvalidWorkerResponse" },
    });
  });

  test("a start time at the epoch (how 1.0.0 says 'now') counts as no start time", () => {
    expect(startTimeOf({ seconds: 0 })).toBeUndefined();
    expect(startTimeOf(undefined)).toBeUndefined();
    expect(startTimeOf({ seconds: 1_700_000_000, nanos: 5_000_000 })).toBe(1_700_000_000_005);
  });
});
