/**
 * The remote workflow executor sends each turn the committed history: from its encoded copy while that copy holds
 * exactly the committed length, else loaded from the store; a turn that was not applied drops the copy.
 */
import * as pb from "@dapr/durabletask-js/proto/orchestrator_service_pb.js";
import { describe, expect, test } from "vitest";
import { RemoteWorkflowExecutor } from "../../src/api/grpc/remote-executors.js";
import { workItemSerializer } from "../../src/api/grpc/service-definition.js";
import { WorkStreams } from "../../src/api/grpc/work-streams.js";
import type { HistoryEvent } from "../../src/core/history.js";

const T = 1_700_000_000_000;
const started = (t: number): HistoryEvent => ({ type: "WorkflowStarted", eventId: -1, timestamp: t });
const start: HistoryEvent = {
  type: "ExecutionStarted",
  eventId: -1,
  timestamp: T,
  name: "Flow",
  instanceId: "i",
  executionId: "e",
};
const scheduled = (id: number): HistoryEvent => ({
  type: "TaskScheduled",
  eventId: id,
  timestamp: T,
  name: "Act",
  input: String(id),
});
const completed = (id: number): HistoryEvent => ({
  type: "TaskCompleted",
  eventId: -1,
  timestamp: T,
  taskScheduledId: id,
  result: String(id + 1),
});

function setup() {
  const streams = new WorkStreams({ maxPerStream: 10 });
  const sent: Uint8Array[] = [];
  streams.open("peer", (item) => sent.push(item as Uint8Array));
  const executor = new RemoteWorkflowExecutor(streams, workItemSerializer());
  let loads = 0;
  /** Runs one turn; `stored` is what the store would load. Returns the turn's past events' kinds and ids. */
  const turn = async (historyLength: number, newEvents: HistoryEvent[], stored: HistoryEvent[]) => {
    const result = executor.executeWorkflow({
      instanceId: "i",
      executionId: "e",
      name: "Flow",
      historyLength,
      newEvents,
      loadHistory: async () => {
        loads += 1;
        return stored;
      },
    });
    await new Promise((resolve) => setImmediate(resolve));
    const request = pb.WorkItem.deserializeBinary(sent.at(-1)!).getOrchestratorrequest()!;
    streams.completeTurn("peer", { instanceId: "i", actions: [] });
    await result;
    const past = request.getPasteventsList().map((e) => [e.getEventtypeCase(), e.getEventid()]);
    return { past, fresh: request.getNeweventsList().length };
  };
  return { executor, turn, loads: () => loads };
}

const C = pb.HistoryEvent.EventtypeCase;

describe("the remote workflow executor's histories", () => {
  test("a turn after an applied one sends the encoded history without loading it", async () => {
    const { executor, turn, loads } = setup();
    const first = [started(T), start];
    expect(await turn(0, first, [])).toEqual({ past: [], fresh: 2 });
    executor.turnApplied("i", "e", 3, false, [...first, scheduled(0)]);
    const second = [started(T + 1), completed(0)];
    const sent = await turn(3, second, []);
    expect(sent.past).toEqual([
      [C.ORCHESTRATORSTARTED, -1],
      [C.EXECUTIONSTARTED, -1],
      [C.TASKSCHEDULED, 0],
    ]);
    expect(sent.fresh).toBe(2);
    expect(loads()).toBe(0);
  });

  test("a history that moved on elsewhere, or a turn not applied, is loaded from the store again", async () => {
    const { executor, turn, loads } = setup();
    const first = [started(T), start];
    await turn(0, first, []);
    executor.turnApplied("i", "e", 3, false, [...first, scheduled(0)]);
    // Another node ran two more turns: the committed history has 7 events, the copy 3.
    const stored = [...first, scheduled(0), started(T + 1), completed(0), scheduled(1), started(T + 2)];
    const moved = await turn(7, [started(T + 3), completed(1)], stored.slice(0, 7));
    expect(moved.past).toHaveLength(7);
    expect(loads()).toBe(1);
    // That turn is not applied (its commit failed): the engine evicts, and the next turn loads again.
    executor.evict("i");
    await turn(7, [started(T + 4), completed(1)], stored.slice(0, 7));
    expect(loads()).toBe(2);
    // A finished instance keeps nothing.
    executor.turnApplied("i", "e", 10, true, [started(T + 4), completed(1), scheduled(2)]);
    await turn(10, [started(T + 5)], [...stored, completed(1), scheduled(2), started(T + 6)].slice(0, 10));
    expect(loads()).toBe(3);
  });
});
