import { describe, expect, test } from "vitest";
import type { TaskCompleted } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";
import type { ActivityWorkItem, WorkflowWorkItem } from "../store.js";
import { LocalTurns } from "./local-turns.js";
import type { TurnReceipt } from "./write-plan.js";

const state = (instanceId: string, executionId = "e1", status: InstanceState["status"] = "RUNNING") =>
  ({ instanceId, name: "wf", executionId, status, createdAt: 1, updatedAt: 1 }) satisfies InstanceState;
const activity = (instanceId: string, rowId: number, executionId = "e1"): ActivityWorkItem => ({
  task: { instanceId, executionId, taskId: rowId, name: "act" },
  dispatchCount: 1,
  receipt: { id: rowId, token: `t${rowId}` },
});
const done = (taskScheduledId: number): TaskCompleted => ({
  type: "TaskCompleted",
  eventId: -1,
  timestamp: 1,
  taskScheduledId,
  result: `"${taskScheduledId}"`,
});
const claimedTurn = (instanceId: string): WorkflowWorkItem => ({
  instanceId,
  state: state(instanceId),
  historyLength: 3,
  newEvents: [],
  receipt: { token: "lease", inboxIds: [7] } satisfies TurnReceipt,
});
const carried = (item: WorkflowWorkItem) => (item.receipt as TurnReceipt).local ?? [];

describe("LocalTurns", () => {
  test("keeps results only for instances whose last turn this node committed, in that execution", () => {
    const local = new LocalTurns();
    expect(local.offer(activity("a", 1), done(1))).toEqual({ kept: false, ready: false });
    local.remember("a", state("a"), 3);
    expect(local.offer(activity("a", 2, "e0"), done(2))).toEqual({ kept: false, ready: false });
    expect(local.offer(activity("a", 3), done(3))).toEqual({ kept: true, ready: true });
    const turn = local.next();
    expect(turn).toMatchObject({ instanceId: "a", historyLength: 3, newEvents: [done(3)] });
    expect(local.next()).toBeUndefined();
  });

  test("a second run of an activity whose result is held is dropped until the turn carrying it settles", () => {
    const local = new LocalTurns();
    local.remember("a", state("a"), 3);
    local.offer(activity("a", 1), done(1));
    expect(local.offer(activity("a", 1), done(1))).toEqual({ kept: true, ready: false });
    const turn = local.next()!;
    expect(local.offer(activity("a", 1), done(1))).toEqual({ kept: true, ready: false });
    expect(local.settled("a", carried(turn))).toBe(false);
    expect(local.drain()).toEqual([]);
  });

  test("results that come while a turn is in flight wait for it, then make the next turn", () => {
    const local = new LocalTurns();
    local.remember("a", state("a"), 3);
    local.offer(activity("a", 1), done(1));
    const first = local.next()!;
    expect(local.offer(activity("a", 2), done(2))).toEqual({ kept: true, ready: false });
    expect(local.offer(activity("a", 3), done(3))).toEqual({ kept: true, ready: false });
    expect(local.next()).toBeUndefined();
    local.remember("a", state("a"), 6);
    expect(local.settled("a", carried(first))).toBe(true);
    const second = local.next();
    expect(second).toMatchObject({ historyLength: 6, newEvents: [done(2), done(3)] });
  });

  test("a claimed turn of an instance with a local turn in flight runs after it", () => {
    const local = new LocalTurns();
    local.remember("a", state("a"), 3);
    local.offer(activity("a", 1), done(1));
    const mine = local.next()!;
    const claimed = claimedTurn("a");
    expect(local.claimed(claimed)).toBe(false);
    expect(local.next()).toBeUndefined();
    expect(local.settled("a", carried(mine))).toBe(true);
    expect(local.next()).toBe(claimed);
    expect(local.claimed(claimedTurn("b"))).toBe(true);
  });

  test("an instance that ended or changed elsewhere gives back the results no turn took", () => {
    const local = new LocalTurns();
    local.remember("a", state("a"), 3);
    local.offer(activity("a", 1), done(1));
    local.offer(activity("a", 2), done(2));
    const moot = local.remember("a", state("a", "e1", "COMPLETED"), 5);
    expect(moot.map((r) => r.event)).toEqual([done(1), done(2)]);
    expect(local.next()).toBeUndefined();
    expect(local.offer(activity("a", 3), done(3)).kept).toBe(false);
  });

  test("at close, hands back every held result and forgets the deferred claimed turns", () => {
    const local = new LocalTurns();
    local.remember("a", state("a"), 3);
    local.remember("b", state("b"), 3);
    local.offer(activity("a", 1), done(1));
    local.offer(activity("b", 2), done(2));
    local.next();
    local.claimed(claimedTurn("a"));
    expect(local.drain().map((r) => r.event)).toEqual([done(2)]);
    // The deferred claimed turn of "a" never runs here: the store's lease keeper gives its lease back.
    expect(local.settled("a", [])).toBe(false);
    expect(local.next()).toBeUndefined();
  });

  test("forgets the oldest idle instances past its bound, never one holding results", () => {
    const local = new LocalTurns();
    local.remember("keep", state("keep"), 3);
    local.offer(activity("keep", 1), done(1));
    for (let i = 0; i < 5000; i++) local.remember(`i${i}`, state(`i${i}`), 1);
    expect(local.offer(activity("i0", 2), done(2)).kept).toBe(false);
    expect(local.offer(activity("i4999", 3), done(3)).kept).toBe(true);
    expect(local.next()).toMatchObject({ instanceId: "keep" });
  });
});
