/**
 * Work items built from encoded histories are the same bytes' meaning as the protocol's serializer gives for the
 * plain objects: the SDKs' own stubs decode them to the same request. And the cache of encoded histories is used
 * only when it stands for exactly the committed history.
 */
import * as pb from "@dapr/durabletask-js/proto/orchestrator_service_pb.js";
import { describe, expect, test } from "vitest";
import { EncodedHistories, pastBytes } from "../../src/api/grpc/encoded-histories.js";
import { EventEncoder, encodeOrchestratorWorkItem } from "../../src/api/grpc/encoded-work.js";
import { taskHubService, workItemSerializer } from "../../src/api/grpc/service-definition.js";
import { toWireOrchestratorRequest } from "../../src/api/grpc/translate-work.js";
import type { HistoryEvent } from "../../src/core/history.js";

const T = 1_700_000_000_123;
const past: HistoryEvent[] = [
  { type: "WorkflowStarted", eventId: -1, timestamp: T },
  {
    type: "ExecutionStarted",
    eventId: -1,
    timestamp: T,
    name: "Flow",
    instanceId: "i-é",
    executionId: "e1",
    input: `"${"x".repeat(300)}"`,
  },
  { type: "TaskScheduled", eventId: 0, timestamp: T + 1, name: "Act", input: "1" },
];
const fresh: HistoryEvent[] = [
  { type: "WorkflowStarted", eventId: -1, timestamp: T + 2 },
  { type: "TaskCompleted", eventId: -1, timestamp: T + 2, taskScheduledId: 0, result: "2" },
  { type: "EventRaised", eventId: -1, timestamp: T + 3, name: "go" },
];

const encoder = new EventEncoder(workItemSerializer());
const decode = (bytes: Uint8Array) => pb.WorkItem.deserializeBinary(bytes).toObject();

describe("encoded orchestrator work items", () => {
  test("decode with the SDK's stubs exactly as the serializer's encoding of the same request", () => {
    const expected = workItemSerializer()({
      orchestratorRequest: toWireOrchestratorRequest("i-é", "e1", past, fresh),
    });
    const history = new EncodedHistories().set(
      "i-é",
      "e1",
      past.map((e) => encoder.pastEntry(e)),
    );
    const built = encodeOrchestratorWorkItem(
      "i-é",
      "e1",
      pastBytes(history),
      fresh.map((e) => encoder.pastEntry(e)),
    );
    const decoded = decode(built);
    expect(decoded).toEqual(decode(expected));
    expect(decoded.orchestratorrequest?.pasteventsList).toHaveLength(3);
    expect(decoded.orchestratorrequest?.neweventsList).toHaveLength(3);
    expect(decoded.orchestratorrequest?.executionid?.value).toBe("e1");
  });

  test("a history longer than 127 bytes per message and in total still decodes (multi-byte lengths)", () => {
    const long: HistoryEvent[] = Array.from({ length: 200 }, (_, i) => ({
      type: "TaskCompleted",
      eventId: -1,
      timestamp: T,
      taskScheduledId: i,
      result: "r".repeat(i * 10),
    }));
    const history = new EncodedHistories().set(
      "i",
      "e",
      long.map((e) => encoder.pastEntry(e)),
    );
    const built = encodeOrchestratorWorkItem("i", "e", pastBytes(history), []);
    const request = pb.WorkItem.deserializeBinary(built).getOrchestratorrequest()!;
    expect(request.getPasteventsList().map((e) => e.getTaskcompleted()!.getResult()!.getValue())).toEqual(
      long.map((e) => (e.type === "TaskCompleted" ? e.result : "")),
    );
  });

  test("the server's GetWorkItems sends encoded items as they are and still encodes plain ones", () => {
    const serialize = taskHubService().GetWorkItems!.responseSerialize;
    const bytes = encodeOrchestratorWorkItem("i", "e", new Uint8Array(0), [encoder.pastEntry(fresh[0]!)]);
    expect(Buffer.compare(serialize(bytes), Buffer.from(bytes))).toBe(0);
    const plain = { activityRequest: { name: "a", orchestrationInstance: { instanceId: "i" }, taskId: 3 } };
    expect(decode(serialize(plain)).activityrequest?.taskid).toBe(3);
  });
});

describe("encoded histories", () => {
  const entry = (n: number) => new Uint8Array(n).fill(n);

  test("serve a history only while it stands for exactly the committed length of that execution", () => {
    const cache = new EncodedHistories();
    cache.set("a", "e1", [entry(3), entry(4)]);
    expect(cache.get("a", "e1", 2)).toBeDefined();
    cache.append("a", "e1", 2, [entry(5)]);
    const history = cache.get("a", "e1", 3)!;
    expect([...pastBytes(history)]).toEqual([3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5]);
    // A turn applied from another length (a turn this cache did not see) drops the history.
    cache.append("a", "e1", 7, [entry(1)]);
    expect(cache.get("a", "e1", 3)).toBeUndefined();
    expect(cache.get("a", "e1", 8)).toBeUndefined();
    // Another execution (continue-as-new) or another length is a miss, and drops it.
    cache.set("b", "e1", [entry(1)]);
    expect(cache.get("b", "e2", 1)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  test("keep to their byte budget, dropping the least recently used first", () => {
    const cache = new EncodedHistories(1024);
    cache.set("a", "e", [entry(300)]);
    cache.set("b", "e", [entry(300)]);
    cache.set("c", "e", [entry(300)]);
    cache.append("a", "e", 1, [entry(10)]); // a is now the most recently used, and holds 600 bytes
    cache.set("d", "e", [entry(300)]);
    expect(cache.bytes).toBeLessThanOrEqual(1024);
    expect(cache.get("b", "e", 1)).toBeUndefined();
    expect(cache.get("c", "e", 1)).toBeUndefined();
    expect(cache.get("a", "e", 2)).toBeDefined();
    expect(cache.get("d", "e", 1)).toBeDefined();
  });
});
