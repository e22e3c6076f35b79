import { describe, expect, test } from "vitest";
import type { TurnResult } from "./actions.js";
import { applyTurn, opensOrContinues, orderTurnEvents } from "./apply.js";
import type { HistoryEvent, InboxEvent } from "./history.js";
import type { InstanceState } from "./instance.js";

const NOW = 1_000_000;
let ids = 0;
const ctx = { now: NOW, newExecutionId: () => `exec-${++ids}` };
const state = (over: Partial<InstanceState> = {}): InstanceState => ({
  instanceId: "wf1",
  name: "order",
  executionId: "e1",
  status: "RUNNING",
  createdAt: 1,
  updatedAt: 1,
  ...over,
});
const turnStart: HistoryEvent = { type: "WorkflowStarted", eventId: -1, timestamp: NOW };

describe("applyTurn", () => {
  test("ExecutionStarted moves PENDING to RUNNING and keeps the turn's events in history", () => {
    const start: InboxEvent = {
      type: "ExecutionStarted",
      eventId: -1,
      timestamp: NOW,
      name: "order",
      instanceId: "wf1",
      executionId: "e1",
      input: "1",
    };
    const out = applyTurn(state({ status: "PENDING" }), [turnStart, start], { actions: [] }, ctx);
    expect(out.state.status).toBe("RUNNING");
    expect(out.state.input).toBe("1");
    expect(out.newEvents).toEqual([turnStart, start]);
  });

  test("actions become history events whose ids equal the action ids, plus the work they cause", () => {
    const result: TurnResult = {
      actions: [
        { type: "ScheduleTask", id: 1, name: "charge", input: "5", taskExecutionId: "e1:1" },
        { type: "CreateTimer", id: 2, fireAt: NOW + 500 },
        { type: "CreateChildWorkflow", id: 3, instanceId: "wf1:0003", name: "ship" },
        { type: "SendEvent", id: 4, instanceId: "other", name: "ping", input: "1" },
      ],
      customStatus: '"busy"',
    };
    const out = applyTurn(state(), [turnStart], result, ctx);
    expect(out.newEvents.slice(1).map((e) => [e.type, e.eventId])).toEqual([
      ["TaskScheduled", 1],
      ["TimerCreated", 2],
      ["ChildWorkflowInstanceCreated", 3],
      ["EventSent", 4],
    ]);
    expect(out.activities).toEqual([
      {
        instanceId: "wf1",
        executionId: "e1",
        taskId: 1,
        name: "charge",
        input: "5",
        taskExecutionId: "e1:1",
      },
    ]);
    expect(out.messages).toEqual([
      {
        instanceId: "wf1",
        executionId: "e1",
        visibleAt: NOW + 500,
        event: { type: "TimerFired", eventId: -1, timestamp: NOW + 500, timerId: 2, fireAt: NOW + 500 },
      },
      {
        instanceId: "other",
        visibleAt: NOW,
        event: { type: "EventRaised", eventId: -1, timestamp: NOW, name: "ping", input: "1" },
      },
    ]);
    expect(out.childStarts).toMatchObject([
      {
        instanceId: "wf1:0003",
        name: "ship",
        parent: { instanceId: "wf1", executionId: "e1", taskScheduledId: 3 },
      },
    ]);
    expect(out.state.customStatus).toBe('"busy"');
  });

  test("completion records the output and notifies the parent in the parent's execution", () => {
    const parent = { instanceId: "p", executionId: "pe", name: "parent", taskScheduledId: 7 };
    const out = applyTurn(
      state({ parent }),
      [turnStart],
      { actions: [{ type: "CompleteWorkflow", id: 3, status: "COMPLETED", result: '"ok"' }] },
      ctx,
    );
    expect(out.state).toMatchObject({ status: "COMPLETED", output: '"ok"', completedAt: NOW });
    expect(out.newEvents.at(-1)).toMatchObject({
      type: "ExecutionCompleted",
      eventId: 3,
      status: "COMPLETED",
    });
    expect(out.messages).toEqual([
      {
        instanceId: "p",
        executionId: "pe",
        visibleAt: NOW,
        event: {
          type: "ChildWorkflowInstanceCompleted",
          eventId: -1,
          timestamp: NOW,
          taskScheduledId: 7,
          result: '"ok"',
        },
      },
    ]);
  });

  test("a failed child reports its failure details to the parent", () => {
    const parent = { instanceId: "p", executionId: "pe", name: "parent", taskScheduledId: 2 };
    const failure = { errorType: "Error", message: "nope" };
    const out = applyTurn(
      state({ parent }),
      [turnStart],
      { actions: [{ type: "CompleteWorkflow", id: 1, status: "FAILED", failure }] },
      ctx,
    );
    expect(out.messages[0]?.event).toMatchObject({ type: "ChildWorkflowInstanceFailed", failure });
  });

  test("terminate wins over actions, saves the output, and asks to terminate children when recursive", () => {
    const terminate: InboxEvent = {
      type: "ExecutionTerminated",
      eventId: -1,
      timestamp: NOW,
      input: '"bye"',
      recurse: true,
    };
    const out = applyTurn(state(), [turnStart, terminate], undefined, ctx);
    expect(out.state).toMatchObject({ status: "TERMINATED", output: '"bye"' });
    expect(out.terminateChildren).toEqual({ output: '"bye"' });
    expect(out.activities).toEqual([]);
  });

  test("continue-as-new resets history, starts a new execution and carries events", () => {
    const carry = { type: "EventRaised" as const, eventId: -1, timestamp: 0, name: "x", input: "1" };
    const out = applyTurn(
      state({ customStatus: '"old"' }),
      [turnStart],
      {
        actions: [
          { type: "ScheduleTask", id: 1, name: "a" },
          {
            type: "CompleteWorkflow",
            id: 2,
            status: "CONTINUED_AS_NEW",
            result: "5",
            carryoverEvents: [carry],
          },
        ],
      },
      ctx,
    );
    expect(out.history).toBe("reset");
    expect(out.newEvents).toEqual([]);
    expect(out.activities).toEqual([]);
    expect(out.state.status).toBe("RUNNING");
    expect(out.state.executionId).not.toBe("e1");
    expect(out.state.customStatus).toBeUndefined();
    expect(out.messages.map((m) => [m.event.type, m.executionId])).toEqual([
      ["ExecutionStarted", out.state.executionId],
      ["EventRaised", out.state.executionId],
    ]);
    expect(out.messages[1]?.event.timestamp).toBe(NOW);
  });

  test("suspend and resume set the status", () => {
    const suspend: InboxEvent = { type: "ExecutionSuspended", eventId: -1, timestamp: NOW };
    const resume: InboxEvent = { type: "ExecutionResumed", eventId: -1, timestamp: NOW };
    expect(applyTurn(state(), [turnStart, suspend], { actions: [] }, ctx).state.status).toBe("SUSPENDED");
    expect(
      applyTurn(state({ status: "SUSPENDED" }), [turnStart, resume], { actions: [] }, ctx).state.status,
    ).toBe("RUNNING");
    expect(applyTurn(state(), [turnStart, resume], { actions: [] }, ctx).state.status).toBe("RUNNING");
  });

  test("patches first seen in the turn are recorded on its WorkflowStarted event", () => {
    const out = applyTurn(state(), [{ ...turnStart }], { actions: [], patches: ["v2"] }, ctx);
    expect(out.newEvents[0]).toMatchObject({ type: "WorkflowStarted", patches: ["v2"] });
  });

  test("apply does not mutate its inputs", () => {
    const s = state();
    const events: HistoryEvent[] = [{ ...turnStart }];
    applyTurn(
      s,
      events,
      { actions: [{ type: "CompleteWorkflow", id: 1, status: "COMPLETED" }], patches: ["p"] },
      ctx,
    );
    expect(s.status).toBe("RUNNING");
    expect(events[0]).toEqual(turnStart);
  });
});

test("orderTurnEvents puts ExecutionStarted first", () => {
  const raised: InboxEvent = { type: "EventRaised", eventId: -1, timestamp: 0, name: "a" };
  const start: InboxEvent = {
    type: "ExecutionStarted",
    eventId: -1,
    timestamp: 0,
    name: "n",
    instanceId: "i",
    executionId: "e",
  };
  expect(orderTurnEvents([raised, start]).map((e) => e.type)).toEqual(["ExecutionStarted", "EventRaised"]);
});

test("opensOrContinues: an execution without history runs only a turn that brings its ExecutionStarted", () => {
  const raised: InboxEvent = { type: "EventRaised", eventId: -1, timestamp: 1, name: "e" };
  const started: InboxEvent = {
    type: "ExecutionStarted",
    eventId: -1,
    timestamp: 1,
    name: "w",
    instanceId: "i",
    executionId: "x2",
  };
  // After a continue-as-new reset the history, an event that got ahead of the new ExecutionStarted waits.
  expect(opensOrContinues(0, [raised])).toBe(false);
  expect(opensOrContinues(0, [raised, started])).toBe(true);
  expect(opensOrContinues(3, [raised])).toBe(true);
});
