import { describe, expect, test } from "vitest";
import type { HistoryEvent, InboxEvent } from "./history.js";
import { eventVisibleAt, type ResumePoint, resumedInstance, type StartRequest } from "./instance.js";

const NOW = 1_000_000;
const raised: InboxEvent = { type: "EventRaised", eventId: -1, timestamp: NOW, name: "go" };
const terminate: InboxEvent = { type: "ExecutionTerminated", eventId: -1, timestamp: NOW, recurse: true };

describe("eventVisibleAt: an event waits for a scheduled start", () => {
  test("a PENDING instance whose start is ahead holds events until the start", () => {
    expect(eventVisibleAt({ status: "PENDING", scheduledStartAt: NOW + 5000 }, raised, NOW)).toBe(NOW + 5000);
  });

  test("a terminate never waits", () => {
    expect(eventVisibleAt({ status: "PENDING", scheduledStartAt: NOW + 5000 }, terminate, NOW)).toBe(NOW);
  });

  test("no scheduled start, a start already passed, or a running instance: visible now", () => {
    expect(eventVisibleAt({ status: "PENDING", scheduledStartAt: null }, raised, NOW)).toBe(NOW);
    expect(eventVisibleAt({ status: "PENDING", scheduledStartAt: undefined }, raised, NOW)).toBe(NOW);
    expect(eventVisibleAt({ status: "PENDING", scheduledStartAt: NOW - 1 }, raised, NOW)).toBe(NOW);
    expect(eventVisibleAt({ status: "RUNNING", scheduledStartAt: NOW + 5000 }, raised, NOW)).toBe(NOW);
  });
});

describe("resumedInstance: a rerun resumes", () => {
  const request: StartRequest = {
    instanceId: "copy",
    name: "wf",
    executionId: "e2",
    input: '"given"',
    metadata: { team: "a" },
    now: NOW,
  };
  const started: HistoryEvent = {
    type: "ExecutionStarted",
    eventId: -1,
    timestamp: 1,
    name: "wf",
    instanceId: "copy",
    executionId: "e2",
    input: '"recorded"',
  };

  test("starts RUNNING with the input its kept history started with", () => {
    const resume: ResumePoint = { history: [started], activities: [], messages: [], childStarts: [] };
    expect(resumedInstance(request, resume)).toEqual({
      instanceId: "copy",
      name: "wf",
      executionId: "e2",
      status: "RUNNING",
      createdAt: NOW,
      updatedAt: NOW,
      input: '"recorded"',
      metadata: { team: "a" },
    });
  });

  test("keeps the request's input when the history has no ExecutionStarted", () => {
    const resume: ResumePoint = { history: [], activities: [], messages: [], childStarts: [] };
    expect(resumedInstance(request, resume)).toMatchObject({ status: "RUNNING", input: '"given"' });
  });
});
