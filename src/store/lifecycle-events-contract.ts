/**
 * The conformance suite of the lifecycle-event outbox (Store.lifecycleEvents), run by each store's contract test
 * beside store-contract.ts: events are written with the status change that causes them, read back in order,
 * resumed after an id, and relayed through cursors one owner holds at a time.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { WorkflowAction } from "../core/actions.js";
import { applyTurn, orderTurnEvents } from "../core/apply.js";
import type { HistoryEvent, InboxEvent } from "../core/history.js";
import { stalledEvent } from "../core/lifecycle-events.js";
import type { LifecycleEventLog, Store } from "./store.js";
import type { StoreContractOptions } from "./store-contract.js";

export function runLifecycleEventsContract({ name, newStore }: StoreContractOptions): void {
  describe(`lifecycle events contract: ${name}`, () => {
    let store: Store;
    let log: LifecycleEventLog;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await newStore({ lifecycleEvents: true }));
      log = store.lifecycleEvents!;
    });
    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    const start = (instanceId: string, workflow = "wf") =>
      store.createInstance({ instanceId, name: workflow, executionId: randomUUID(), now: Date.now() });
    type Body<E = InboxEvent> = E extends InboxEvent ? Omit<E, "eventId" | "timestamp"> : never;
    const send = (instanceId: string, event: Body) =>
      store.addEvent(instanceId, { ...event, eventId: -1, timestamp: Date.now() } as InboxEvent, Date.now());
    /** Runs the next turn (of whichever instance is due) with these actions. */
    const turn = async (actions: WorkflowAction[] = []) => {
      const item = await store.nextWorkflowWorkItem(Date.now());
      if (!item) throw new Error("expected a workflow work item");
      const now = Date.now();
      const events: HistoryEvent[] = [
        { type: "WorkflowStarted", eventId: -1, timestamp: now },
        ...orderTurnEvents(item.newEvents),
      ];
      const outcome = applyTurn(item.state, events, { actions }, { now, newExecutionId: randomUUID });
      await store.completeWorkflowWorkItem(item, outcome);
    };
    const readAll = async (after?: string) => {
      const all = [];
      for (;;) {
        const page = await log.read(after, 2);
        if (page.length === 0) return all;
        all.push(...page);
        after = page.at(-1)!.id;
      }
    };
    /**
     * Reads until `count` events are there: a store may show a committed event only once every transaction older
     * than its own has ended (PostgreSQL), which other sessions on the server can delay a little.
     */
    const settled = async (count: number, after?: string) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const all = await readAll(after);
        if (all.length >= count || Date.now() > deadline) return all;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const kinds = (events: { event: { type: string; instanceId: string } }[]) =>
      events.map((e) => `${e.event.instanceId}:${e.event.type}`);

    test("a store without lifecycle events has no outbox", async () => {
      const plain = await newStore();
      try {
        expect(plain.store.lifecycleEvents).toBeUndefined();
      } finally {
        await plain.store.close();
        await plain.cleanup?.();
      }
    });

    test("each status change writes its events, read back in order and resumable after any id", async () => {
      expect(await log.tail()).toBeUndefined();
      await start("a", "alpha");
      expect(await log.read(undefined, 10)).toEqual([]);
      await turn();
      await send("a", { type: "ExecutionSuspended", input: "pause" });
      await turn();
      await send("a", { type: "ExecutionResumed" });
      await turn();
      await send("a", { type: "EventRaised", name: "go" });
      await turn([{ type: "CompleteWorkflow", id: -1, status: "COMPLETED", result: "1" }]);
      await start("b", "beta");
      await turn([
        {
          type: "CompleteWorkflow",
          id: -1,
          status: "FAILED",
          failure: { errorType: "Boom", message: "it broke" },
        },
      ]);
      await start("c");
      await turn();
      await send("c", { type: "ExecutionTerminated", recurse: true });
      await turn();
      const all = await settled(8);
      expect(kinds(all)).toEqual([
        "a:started",
        "a:suspended",
        "a:resumed",
        "a:completed",
        "b:started",
        "b:failed",
        "c:started",
        "c:terminated",
      ]);
      expect(all[0]!.event).toMatchObject({
        instanceId: "a",
        workflowName: "alpha",
        status: "RUNNING",
        previousStatus: "PENDING",
      });
      expect(all[5]!.event).toMatchObject({ workflowName: "beta", failure: { errorType: "Boom" } });
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
      expect(kinds(await readAll(all[3]!.id))).toEqual([
        "b:started",
        "b:failed",
        "c:started",
        "c:terminated",
      ]);
      expect(await log.tail()).toBe(all.at(-1)!.id);
      expect(await log.read(all.at(-1)!.id, 10)).toEqual([]);
    });

    test("a cursor has one owner at a time; its position survives; old events are pruned", async () => {
      await start("a");
      await turn();
      const [first] = await settled(1);
      const now = Date.now();
      expect(await log.claimCursor("sink", "one", now + 10_000, now)).toBeUndefined();
      expect(await log.claimCursor("sink", "two", now + 10_000, now)).toBe(false);
      expect(await log.saveCursor("sink", "one", first!.id, now + 10_000)).toBe(true);
      expect(await log.saveCursor("sink", "two", first!.id, now + 10_000)).toBe(false);
      expect(await log.claimCursor("sink", "one", now + 20_000, now)).toBe(first!.id);
      // Once the claim has lapsed another owner takes the cursor, where it was left.
      expect(await log.claimCursor("sink", "two", now + 40_000, now + 30_000)).toBe(first!.id);
      expect(await log.claimCursor("other", "one", now + 10_000, now)).toBeUndefined();
      expect(await log.prune(first!.event.time + 1)).toBe(1);
      expect(await log.read(undefined, 10)).toEqual([]);
    });

    test("an event outside a turn (stalled) is appended once per key, after the events before it", async () => {
      await start("a");
      await turn();
      const state = (await store.getInstance("a"))!;
      const stalled = stalledEvent(state, state.updatedAt, "no-executor", Date.now());
      expect(await log.append(stalled, `stalled/a/${state.updatedAt}`)).toBe(true);
      expect(await log.append(stalled, `stalled/a/${state.updatedAt}`)).toBe(false);
      const all = await settled(2);
      expect(kinds(all)).toEqual(["a:started", "a:stalled"]);
      expect(all[1]!.event).toEqual(stalled);
      expect(await log.tail()).toBe(all[1]!.id);
    });

    test("a malformed event id is refused", async () => {
      await expect(log.read("not-an-id", 1)).rejects.toMatchObject({ code: "invalid_argument" });
    });
  });
}
