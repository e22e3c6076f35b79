import { describe, expect, test } from "vitest";
import type { WireWorkItem } from "../../src/api/grpc/wire.js";
import { WorkItemNotCompleted, WorkStreams } from "../../src/api/grpc/work-streams.js";

const turn = (instanceId: string): WireWorkItem => ({
  orchestratorRequest: { instanceId, executionId: {}, pastEvents: [], newEvents: [] },
});
const activity = (instanceId: string, taskId: number): WireWorkItem => ({
  activityRequest: { name: "a", orchestrationInstance: { instanceId }, taskId },
});
const idOf = (item: WireWorkItem) =>
  "orchestratorRequest" in item ? item.orchestratorRequest.instanceId : item.activityRequest.taskId;

function worker(streams: WorkStreams, peer: string) {
  const received: WireWorkItem[] = [];
  const stream = streams.open(peer, (item) => received.push(item as WireWorkItem));
  return { stream, received };
}

describe("work-item streams", () => {
  test("workers compete: each item goes to the stream with the fewest unfinished items", () => {
    const streams = new WorkStreams({ maxPerStream: 10 });
    const a = worker(streams, "peer-a");
    const b = worker(streams, "peer-b");
    for (const id of ["1", "2", "3", "4"]) void streams.dispatchTurn(id, turn(id));
    expect(a.received.map(idOf)).toEqual(["1", "3"]);
    expect(b.received.map(idOf)).toEqual(["2", "4"]);
  });

  test("a stream never holds more than the cap; the rest waits for a result", async () => {
    const streams = new WorkStreams({ maxPerStream: 2 });
    const a = worker(streams, "peer-a");
    const results = ["1", "2", "3"].map((id) =>
      streams.dispatchActivity("wf", Number(id), activity("wf", Number(id))),
    );
    expect(a.received.map(idOf)).toEqual([1, 2]);
    expect(streams.completeActivity("peer-a", { instanceId: "wf", taskId: 1, result: { value: "1" } })).toBe(
      true,
    );
    await expect(results[0]).resolves.toEqual({ instanceId: "wf", taskId: 1, result: { value: "1" } });
    expect(a.received.map(idOf)).toEqual([1, 2, 3]);
  });

  test("items of a stream that closes fail back; waiting items go to the remaining stream", async () => {
    const streams = new WorkStreams({ maxPerStream: 1 });
    const a = worker(streams, "peer-a");
    const b = worker(streams, "peer-b");
    const first = streams.dispatchTurn("1", turn("1"));
    const second = streams.dispatchTurn("2", turn("2"));
    const third = streams.dispatchTurn("3", turn("3"));
    expect([a.received.length, b.received.length]).toEqual([1, 1]);
    streams.close(a.stream);
    await expect(first).rejects.toBeInstanceOf(WorkItemNotCompleted);
    expect(streams.completeTurn("peer-b", { instanceId: "2" })).toBe(true);
    await second;
    expect(b.received.map(idOf)).toEqual(["2", "3"]);
    streams.close(b.stream);
    await expect(third).rejects.toBeInstanceOf(WorkItemNotCompleted);
    expect(streams.connected).toBe(false);
    await expect(streams.dispatchTurn("4", turn("4"))).rejects.toThrow("no worker is connected");
  });

  test("two items with the same key are never out at once", async () => {
    const streams = new WorkStreams({ maxPerStream: 10 });
    const a = worker(streams, "peer-a");
    const old = streams.dispatchActivity("wf", 1, activity("wf", 1));
    void streams.dispatchActivity("wf", 1, activity("wf", 1));
    expect(a.received).toHaveLength(1);
    streams.completeActivity("peer-a", { instanceId: "wf", taskId: 1 });
    await old;
    expect(a.received).toHaveLength(2);
  });

  test("a result is accepted only from the connection its item was sent on", () => {
    const streams = new WorkStreams({ maxPerStream: 10 });
    worker(streams, "peer-a");
    void streams.dispatchTurn("1", turn("1"));
    expect(streams.completeTurn("peer-b", { instanceId: "1" })).toBe(false);
    expect(streams.completeTurn("peer-a", { instanceId: "unknown" })).toBe(false);
    expect(streams.completeTurn("peer-a", { instanceId: "1" })).toBe(true);
    expect(streams.completeTurn("peer-a", { instanceId: "1" })).toBe(false);
  });

  test("opening a stream reports the connection so waiting work can be dispatched", () => {
    let connects = 0;
    const streams = new WorkStreams({ maxPerStream: 1, onConnect: () => connects++ });
    worker(streams, "peer-a");
    expect(connects).toBe(1);
  });
});
