/**
 * The conformance suite every Store passes (run by each store's `*.contract.test.ts`). It drives a store the way
 * the engine does, with turn outcomes made by core's `applyTurn`, and checks each documented behaviour and error.
 * Times are real (`Date.now()` based); "later" is asked for by passing a later `now`, never by sleeping.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { WorkflowAction } from "../core/actions.js";
import { applyTurn, orderTurnEvents, type TurnOutcome } from "../core/apply.js";
import type { HistoryEvent, InboxEvent } from "../core/history.js";
import type { StartRequest } from "../core/instance.js";
import { planRerun } from "../core/rerun.js";
import type { ActivityWorkItem, Store, StoreEvent, WorkflowWorkItem } from "./store.js";

export interface StoreContractOptions {
  name: string;
  /** A store on a fresh, empty database, and how to dispose of that database after the store is closed. */
  newStore(options?: {
    lifecycleEvents?: boolean;
    clock?: () => number;
  }): Promise<{ store: Store; cleanup?: () => Promise<void> }>;
}

const LATER = 60_000;

export function runStoreContract({ name, newStore }: StoreContractOptions): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, cleanup } = await newStore());
    });
    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    const start = (instanceId: string, extra: Partial<StartRequest> = {}): Promise<void> =>
      store.createInstance({ instanceId, name: "wf", executionId: randomUUID(), now: Date.now(), ...extra });
    const raise = (instanceId: string, eventName: string, dedupKey?: string, now = Date.now()) =>
      store.addEvent(instanceId, { type: "EventRaised", eventId: -1, timestamp: now, name: eventName }, now, {
        dedupKey,
      });
    const terminate = (instanceId: string) =>
      store.addEvent(
        instanceId,
        { type: "ExecutionTerminated", eventId: -1, timestamp: Date.now(), recurse: true },
        Date.now(),
      );
    const nextTurn = async (now = Date.now()): Promise<WorkflowWorkItem> => {
      const item = await store.nextWorkflowWorkItem(now);
      if (!item) throw new Error("expected a workflow work item");
      return item;
    };
    /** The next turn of one instance; turns of other instances taken meanwhile are given back. */
    const turnFor = async (instanceId: string): Promise<WorkflowWorkItem> => {
      const others: WorkflowWorkItem[] = [];
      try {
        for (;;) {
          const item = await nextTurn();
          if (item.instanceId === instanceId) return item;
          others.push(item);
        }
      } finally {
        for (const other of others) await store.abandonWorkflowWorkItem(other);
      }
    };
    const types = (events: readonly { type: string }[]) => events.map((e) => e.type);
    /** Runs a turn as the engine does: WorkflowStarted, the inbox, then the executor's actions. */
    const complete = async (item: WorkflowWorkItem, actions: WorkflowAction[] = []): Promise<TurnOutcome> => {
      const now = Date.now();
      const events: HistoryEvent[] = [
        { type: "WorkflowStarted", eventId: -1, timestamp: now },
        ...orderTurnEvents(item.newEvents),
      ];
      const outcome = applyTurn(item.state, events, { actions }, { now, newExecutionId: randomUUID });
      await store.completeWorkflowWorkItem(item, outcome);
      return outcome;
    };
    const runTurn = async (actions: WorkflowAction[] = []) => complete(await nextTurn(), actions);
    const finish = (status: "COMPLETED" | "FAILED" = "COMPLETED", result = '"done"'): WorkflowAction => ({
      type: "CompleteWorkflow",
      id: -1,
      status,
      result,
    });
    const schedule = (id: number, activity = "act"): WorkflowAction => ({
      type: "ScheduleTask",
      id,
      name: activity,
      input: String(id),
    });
    const nextActivity = async (now = Date.now()): Promise<ActivityWorkItem> => {
      const item = await store.nextActivityWorkItem(now);
      if (!item) throw new Error("expected an activity work item");
      return item;
    };
    const taskCompleted = (taskScheduledId: number, result: string) => ({
      type: "TaskCompleted" as const,
      eventId: -1,
      timestamp: Date.now(),
      taskScheduledId,
      result,
    });
    const rejectsWith = async (action: () => Promise<unknown>, code: string) => {
      const error = await (async () => action())().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `expected a '${code}' error`).toMatchObject({ code });
    };

    describe("creating instances", () => {
      test("a new instance is PENDING and its first turn starts it", async () => {
        await start("a", { input: '"in"', metadata: { team: "x" } });
        const state = await store.getInstance("a");
        expect(state).toMatchObject({ instanceId: "a", name: "wf", status: "PENDING", input: '"in"' });
        expect(state?.metadata).toEqual({ team: "x" });
        const item = await nextTurn();
        expect(item.instanceId).toBe("a");
        expect(item.historyLength).toBe(0);
        expect(item.newEvents).toMatchObject([{ type: "ExecutionStarted", name: "wf", input: '"in"' }]);
        expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
      });

      test("an active id is already_exists; a finished one is replaced unless idReuse is never", async () => {
        await start("a");
        await rejectsWith(() => start("a"), "already_exists");
        await runTurn([finish()]);
        expect((await store.getInstance("a"))?.status).toBe("COMPLETED");
        await rejectsWith(() => start("a", { idReuse: "never" }), "already_exists");
        await start("a", { input: '"second"' });
        expect(await store.getInstance("a")).toMatchObject({ status: "PENDING", input: '"second"' });
        expect(await store.getHistory("a")).toEqual([]);
        expect((await nextTurn()).newEvents).toMatchObject([{ type: "ExecutionStarted", input: '"second"' }]);
      });

      test("a rerun starts RUNNING mid-history and schedules again what that history left unfinished", async () => {
        await start("source", { input: '"x"' });
        await runTurn([schedule(0, "first")]);
        await store.completeActivityWorkItem(await nextActivity(), taskCompleted(0, '"one"'));
        await runTurn([schedule(1, "second")]);
        await store.completeActivityWorkItem(await nextActivity(), taskCompleted(1, '"two"'));
        await runTurn([finish()]);
        const executionId = randomUUID();
        const resume = planRerun((await store.getHistory("source"))!, 1, {
          instanceId: "copy",
          executionId,
          now: Date.now(),
        });
        await start("copy", { executionId, resume });
        expect(await store.getInstance("copy")).toMatchObject({
          status: "RUNNING",
          input: '"x"',
          executionId,
        });
        expect(await store.getHistory("copy")).toEqual(resume.history);
        expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
        const rerun = await nextActivity();
        expect(rerun.task).toMatchObject({ instanceId: "copy", executionId, taskId: 1, name: "second" });
        await store.completeActivityWorkItem(rerun, taskCompleted(1, '"again"'));
        const item = await nextTurn();
        expect(item).toMatchObject({ instanceId: "copy", historyLength: resume.history.length });
        expect(item.newEvents).toMatchObject([
          { type: "TaskCompleted", taskScheduledId: 1, result: '"again"' },
        ]);
      });

      test("unknown ids read as undefined", async () => {
        expect(await store.getInstance("nope")).toBeUndefined();
        expect(await store.getHistory("nope")).toBeUndefined();
      });
    });

    describe("adding events", () => {
      test("an event for an unknown instance is not_found", async () => {
        await rejectsWith(() => raise("nope", "e"), "not_found");
      });

      test("an event whose dedup key was seen is dropped, whatever instance it is for", async () => {
        await start("a");
        await start("b");
        await raise("a", "e", "key-1");
        await raise("a", "e", "key-1");
        await raise("b", "e", "key-1");
        await raise("a", "f", "key-2");
        const forA = await turnFor("a");
        const forB = await turnFor("b");
        expect(types(forA.newEvents)).toEqual(["ExecutionStarted", "EventRaised", "EventRaised"]);
        expect(forA.newEvents.map((e) => (e as { name?: string }).name)).toEqual(["wf", "e", "f"]);
        expect(types(forB.newEvents)).toEqual(["ExecutionStarted"]);
      });

      test("an event for a finished instance is dropped", async () => {
        await start("a");
        await runTurn([finish()]);
        const history = await store.getHistory("a");
        await raise("a", "late");
        expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
        expect(await store.getHistory("a")).toEqual(history);
      });

      test("before a scheduled start, events wait for the start", async () => {
        const now = Date.now();
        await start("a", { scheduledStartAt: now + 5000 });
        await raise("a", "early");
        expect(await store.nextWorkflowWorkItem(now + 100)).toBeUndefined();
        const item = await nextTurn(now + 5001);
        expect(types(item.newEvents)).toEqual(["ExecutionStarted", "EventRaised"]);
      });

      test("a terminate does not wait for a scheduled start", async () => {
        await start("a", { scheduledStartAt: Date.now() + LATER });
        await terminate("a");
        const item = await nextTurn();
        expect(types(item.newEvents)).toEqual(["ExecutionTerminated"]);
        await complete(item);
        expect((await store.getInstance("a"))?.status).toBe("TERMINATED");
        expect(await store.nextWorkflowWorkItem(Date.now() + 2 * LATER)).toBeUndefined();
      });
    });

    describe("workflow work items", () => {
      test("a leased turn is handed out once; events that arrive meanwhile wait for the next turn", async () => {
        await start("a");
        const first = await nextTurn();
        await raise("a", "meanwhile");
        expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
        await complete(first, [schedule(0)]);
        const second = await nextTurn();
        expect(second.historyLength).toBe(3);
        expect(second.state.status).toBe("RUNNING");
        expect(second.newEvents).toMatchObject([{ type: "EventRaised", name: "meanwhile" }]);
      });

      test("completing appends to the history and updates the state", async () => {
        await start("a", { input: "1" });
        await runTurn([schedule(0), { type: "CreateTimer", id: 1, fireAt: Date.now() + LATER }]);
        const history = await store.getHistory("a");
        expect(types(history ?? [])).toEqual([
          "WorkflowStarted",
          "ExecutionStarted",
          "TaskScheduled",
          "TimerCreated",
        ]);
        expect(await store.loadHistory("a")).toEqual(history);
        await raise("a", "go");
        await runTurn([finish("COMPLETED", '"out"')]);
        const state = await store.getInstance("a");
        expect(state).toMatchObject({ status: "COMPLETED", output: '"out"', input: "1" });
        expect(state?.completedAt).toBeGreaterThan(0);
        expect(types((await store.getHistory("a")) ?? []).slice(4)).toEqual([
          "WorkflowStarted",
          "EventRaised",
          "ExecutionCompleted",
        ]);
      });

      test("a turn that was completed already is lock_lost", async () => {
        await start("a");
        const item = await nextTurn();
        const outcome = await complete(item);
        await rejectsWith(() => store.completeWorkflowWorkItem(item, outcome), "lock_lost");
        expect(await store.getHistory("a")).toHaveLength(2);
      });

      test("an abandoned turn comes back with its events, after the delay if one is given", async () => {
        await start("a");
        const item = await nextTurn();
        await store.abandonWorkflowWorkItem(item);
        const again = await nextTurn();
        expect(types(again.newEvents)).toEqual(["ExecutionStarted"]);
        await store.abandonWorkflowWorkItem(again, 5_000);
        expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
        const later = await nextTurn(Date.now() + 6_000);
        expect(types(later.newEvents)).toEqual(["ExecutionStarted"]);
        await complete(later);
        expect((await store.getInstance("a"))?.status).toBe("RUNNING");
      });

      test("an abandoned turn's delay counts from the store's own clock", async () => {
        const ahead = Date.now() + 10 * LATER;
        const clocked = await newStore({ clock: () => ahead });
        try {
          const executionId = randomUUID();
          await clocked.store.createInstance({ instanceId: "a", name: "wf", executionId, now: Date.now() });
          const item = await clocked.store.nextWorkflowWorkItem(Date.now());
          expect(item?.instanceId).toBe("a");
          await clocked.store.abandonWorkflowWorkItem(item!, 1_000);
          expect(await clocked.store.nextWorkflowWorkItem(Date.now() + LATER)).toBeUndefined();
          expect((await clocked.store.nextWorkflowWorkItem(ahead + 1_000))?.instanceId).toBe("a");
        } finally {
          await clocked.store.close();
          await clocked.cleanup?.();
        }
      });

      test("a timer's event becomes visible at its time", async () => {
        await start("a");
        const fireAt = Date.now() + LATER;
        await runTurn([{ type: "CreateTimer", id: 0, fireAt }]);
        expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
        expect(await store.nextWorkflowWorkItem(fireAt - 1)).toBeUndefined();
        const item = await nextTurn(fireAt);
        expect(item.newEvents).toMatchObject([{ type: "TimerFired", timerId: 0, fireAt }]);
      });

      test("continue-as-new resets the history; the old execution's events and results are dropped", async () => {
        await start("a", { input: "1" });
        const firstExecution = (await store.getInstance("a"))!.executionId;
        await runTurn([schedule(0), { type: "CreateTimer", id: 1, fireAt: Date.now() + 1000 }]);
        const activity = await nextActivity();
        await raise("a", "carried");
        await runTurn([
          {
            type: "CompleteWorkflow",
            id: -1,
            status: "CONTINUED_AS_NEW",
            result: "2",
            carryoverEvents: [{ type: "EventRaised", eventId: -1, timestamp: 0, name: "carried" }],
          },
        ]);
        expect(await store.getHistory("a")).toEqual([]);
        const state = (await store.getInstance("a"))!;
        expect(state.executionId).not.toBe(firstExecution);
        expect(state).toMatchObject({ status: "RUNNING", input: "2" });
        await store.completeActivityWorkItem(activity, taskCompleted(0, "old"));
        const item = await nextTurn(Date.now() + 2000);
        expect(item.historyLength).toBe(0);
        expect(item.newEvents).toMatchObject([
          { type: "ExecutionStarted", executionId: state.executionId, input: "2" },
          { type: "EventRaised", name: "carried" },
        ]);
        await complete(item);
        expect(await store.nextWorkflowWorkItem(Date.now() + 2000)).toBeUndefined();
        expect(types((await store.getHistory("a")) ?? [])).toEqual([
          "WorkflowStarted",
          "ExecutionStarted",
          "EventRaised",
        ]);
      });
    });

    describe("activity work items", () => {
      test("a turn's activities are handed out once each; a result is recorded once", async () => {
        await start("a");
        await runTurn([schedule(0, "first"), schedule(1, "second")]);
        const one = await nextActivity();
        const two = await nextActivity();
        expect(await store.nextActivityWorkItem(Date.now())).toBeUndefined();
        expect([one.task.name, two.task.name].sort()).toEqual(["first", "second"]);
        expect(one).toMatchObject({ dispatchCount: 1, task: { instanceId: "a" } });
        const first = one.task.name === "first" ? one : two;
        expect(first.task).toMatchObject({
          taskId: 0,
          input: "0",
          executionId: (await store.getInstance("a"))!.executionId,
        });
        await store.completeActivityWorkItem(first, taskCompleted(0, '"r"'));
        await store.completeActivityWorkItem(first, taskCompleted(0, '"again"'));
        const item = await nextTurn();
        expect(item.newEvents).toMatchObject([{ type: "TaskCompleted", taskScheduledId: 0, result: '"r"' }]);
      });

      test("two runs of one activity finishing together record one result", async () => {
        await start("a");
        await runTurn([schedule(0)]);
        const first = await nextActivity();
        await store.abandonActivityWorkItem(first);
        const second = await nextActivity();
        await Promise.all([
          store.completeActivityWorkItem(first, taskCompleted(0, '"first"')),
          store.completeActivityWorkItem(second, taskCompleted(0, '"second"')),
        ]);
        const item = await nextTurn();
        expect(types(item.newEvents)).toEqual(["TaskCompleted"]);
      });

      test("an abandoned activity comes back with a higher dispatch count, after the delay if given", async () => {
        await start("a");
        await runTurn([schedule(0)]);
        const item = await nextActivity();
        await store.abandonActivityWorkItem(item);
        const again = await nextActivity();
        expect(again.dispatchCount).toBe(2);
        await store.abandonActivityWorkItem(again, 5_000);
        expect(await store.nextActivityWorkItem(Date.now())).toBeUndefined();
        expect((await nextActivity(Date.now() + 6_000)).dispatchCount).toBe(3);
      });

      test("activities of an instance that ended are dropped, and so are their results", async () => {
        await start("a");
        await runTurn([schedule(0), schedule(1)]);
        const leased = await nextActivity();
        await terminate("a");
        await runTurn();
        expect((await store.getInstance("a"))?.status).toBe("TERMINATED");
        await store.completeActivityWorkItem(leased, taskCompleted(leased.task.taskId, "1"));
        expect(await store.nextActivityWorkItem(Date.now())).toBeUndefined();
        expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
        expect(types((await store.getHistory("a")) ?? []).at(-1)).toBe("ExecutionCompleted");
      });
    });

    describe("messages and children", () => {
      test("a sent event reaches another instance; one for a moved-on execution or an unknown id is dropped", async () => {
        await start("a");
        await start("b");
        await complete(await turnFor("b"));
        const a = await turnFor("a");
        const now = Date.now();
        const outcome = applyTurn(
          a.state,
          [{ type: "WorkflowStarted", eventId: -1, timestamp: now }, ...a.newEvents],
          {
            actions: [
              { type: "SendEvent", id: 0, instanceId: "b", name: "hello", input: "1" },
              { type: "SendEvent", id: 1, instanceId: "nobody", name: "hello" },
            ],
          },
          { now, newExecutionId: randomUUID },
        );
        const stale: InboxEvent = { type: "EventRaised", eventId: -1, timestamp: now, name: "stale" };
        outcome.messages.push({
          instanceId: "b",
          executionId: "another-execution",
          visibleAt: now,
          event: stale,
        });
        await store.completeWorkflowWorkItem(a, outcome);
        const item = await nextTurn();
        expect(item.instanceId).toBe("b");
        expect(item.newEvents).toMatchObject([{ type: "EventRaised", name: "hello", input: "1" }]);
        expect(await store.getInstance("nobody")).toBeUndefined();
      });

      test("a child starts with its parent and reports back; an active id fails the child's start", async () => {
        await start("p");
        await runTurn([{ type: "CreateChildWorkflow", id: 0, instanceId: "c", name: "child", input: "5" }]);
        const child = await store.getInstance("c");
        expect(child).toMatchObject({
          status: "PENDING",
          name: "child",
          input: "5",
          parent: { instanceId: "p" },
        });
        const childTurn = await nextTurn();
        expect(childTurn.instanceId).toBe("c");
        await start("q");
        await runTurn([{ type: "CreateChildWorkflow", id: 0, instanceId: "c", name: "child" }]);
        const failed = await nextTurn();
        expect(failed.instanceId).toBe("q");
        expect(failed.newEvents).toMatchObject([
          {
            type: "ChildWorkflowInstanceFailed",
            taskScheduledId: 0,
            failure: { errorType: "ChildWorkflowStartError" },
          },
        ]);
        await complete(failed);
        await complete(childTurn, [finish("COMPLETED", "6")]);
        const parent = await nextTurn();
        expect(parent.instanceId).toBe("p");
        expect(parent.newEvents).toMatchObject([
          { type: "ChildWorkflowInstanceCompleted", taskScheduledId: 0, result: "6" },
        ]);
      });

      test("a recursive terminate reaches every active child", async () => {
        await start("p");
        await runTurn([
          { type: "CreateChildWorkflow", id: 0, instanceId: "c1", name: "child" },
          { type: "CreateChildWorkflow", id: 1, instanceId: "c2", name: "child" },
        ]);
        await complete(await turnFor("c2"));
        await complete(await turnFor("c1"), [finish()]);
        await complete(await turnFor("p"));
        await terminate("p");
        await runTurn();
        expect((await store.getInstance("p"))?.status).toBe("TERMINATED");
        const active = await nextTurn();
        expect(active.instanceId).toBe("c2");
        expect(active.newEvents).toMatchObject([{ type: "ExecutionTerminated", recurse: true }]);
        expect(await store.nextWorkflowWorkItem(Date.now())).toBeUndefined();
      });
    });

    describe("purge", () => {
      test("refuses active instances (recursively: any active descendant); unknown ids are not_found", async () => {
        await start("p");
        await runTurn([{ type: "CreateChildWorkflow", id: 0, instanceId: "c", name: "child" }]);
        await rejectsWith(() => store.purgeInstance("p", { recursive: true }), "failed_precondition");
        await complete(await turnFor("c"));
        await store.addEvent(
          "p",
          { type: "EventRaised", eventId: -1, timestamp: Date.now(), name: "go" },
          Date.now(),
        );
        await complete(await turnFor("p"), [finish()]);
        await rejectsWith(() => store.purgeInstance("p", { recursive: true }), "failed_precondition");
        expect(await store.getInstance("p")).toBeDefined();
        expect(await store.purgeInstance("p", { recursive: false })).toBe(1);
        expect(await store.getInstance("p")).toBeUndefined();
        expect((await store.getInstance("c"))?.status).toBe("RUNNING");
        await rejectsWith(() => store.purgeInstance("nope", { recursive: true }), "not_found");
      });

      test("a recursive purge of finished instances deletes them all", async () => {
        await start("p");
        await runTurn([{ type: "CreateChildWorkflow", id: 0, instanceId: "c", name: "child" }]);
        await complete(await turnFor("c"), [finish()]);
        await complete(await turnFor("p"), [finish()]);
        expect(await store.purgeInstance("p", { recursive: true })).toBe(2);
        expect(await store.getInstance("p")).toBeUndefined();
        expect(await store.getInstance("c")).toBeUndefined();
        expect(await store.getHistory("c")).toBeUndefined();
        await rejectsWith(() => store.purgeInstance("p", { recursive: true }), "not_found");
      });
    });

    describe("listing", () => {
      const ids = (list: { instanceId: string }[]) => list.map((s) => s.instanceId);
      const t = Date.now();
      /** Five instances: a1..a2 "alpha", b1..b3 "beta", b1 completed; b2 and b3 created at the same time. */
      const seed = async () => {
        await start("a1", { name: "alpha", now: t - 4000, metadata: { team: "x", region: "eu" } });
        await start("a2", { name: "alpha", now: t - 3000, metadata: { team: "y", region: "eu" } });
        await start("b1", { name: "beta", now: t - 2000, metadata: { team: "x" } });
        await start("b2", { name: "beta", now: t - 1000 });
        await start("b3", { name: "beta", now: t - 1000, metadata: { team: "x", region: "us" } });
        await complete(await turnFor("b1"), [finish()]);
      };

      test("newest first, then by id descending, and filters by status, name and creation time", async () => {
        await seed();
        expect(ids(await store.listInstances({}))).toEqual(["b3", "b2", "b1", "a2", "a1"]);
        expect(ids(await store.listInstances({ name: "alpha" }))).toEqual(["a2", "a1"]);
        expect(ids(await store.listInstances({ statuses: ["COMPLETED"] }))).toEqual(["b1"]);
        expect(ids(await store.listInstances({ statuses: ["PENDING", "COMPLETED"], name: "beta" }))).toEqual([
          "b3",
          "b2",
          "b1",
        ]);
        expect(ids(await store.listInstances({ createdFrom: t - 3000, createdTo: t - 1000 }))).toEqual([
          "b1",
          "a2",
        ]);
      });

      test("filters by last update", async () => {
        await seed();
        const b1 = await store.getInstance("b1");
        expect(b1!.updatedAt).toBeGreaterThan(t - 1000);
        const updated = await store.listInstances({ updatedFrom: b1!.updatedAt });
        expect(ids(updated)).toEqual(["b1"]);
        expect(ids(await store.listInstances({ updatedTo: b1!.updatedAt }))).toEqual([
          "b3",
          "b2",
          "a2",
          "a1",
        ]);
      });

      test("filters by metadata pairs, all of which must match", async () => {
        await seed();
        expect(ids(await store.listInstances({ metadata: { team: "x" } }))).toEqual(["b3", "b1", "a1"]);
        expect(ids(await store.listInstances({ metadata: { team: "x", region: "eu" } }))).toEqual(["a1"]);
        expect(ids(await store.listInstances({ metadata: { team: "x" }, name: "beta" }))).toEqual([
          "b3",
          "b1",
        ]);
        expect(ids(await store.listInstances({ metadata: { team: "x" }, statuses: ["COMPLETED"] }))).toEqual([
          "b1",
        ]);
        expect(ids(await store.listInstances({ metadata: { team: "z" } }))).toEqual([]);
        expect(ids(await store.listInstances({ metadata: { team: "x" }, createdTo: t - 1000 }))).toEqual([
          "b1",
          "a1",
        ]);
      });

      test("metadata search follows purges and reused ids", async () => {
        await seed();
        expect(await store.purgeInstance("b1", { recursive: false })).toBe(1);
        expect(ids(await store.listInstances({ metadata: { team: "x" } }))).toEqual(["b3", "a1"]);
        await start("b1", { name: "beta", now: t, metadata: { team: "w" } });
        expect(ids(await store.listInstances({ metadata: { team: "x" } }))).toEqual(["b3", "a1"]);
        expect(ids(await store.listInstances({ metadata: { team: "w" } }))).toEqual(["b1"]);
      });

      test("filters by id prefix", async () => {
        await seed();
        await start("b", { now: t - 500 });
        await start("c1", { now: t - 500 });
        expect(ids(await store.listInstances({ idPrefix: "b" }))).toEqual(["b", "b3", "b2", "b1"]);
        expect(ids(await store.listInstances({ idPrefix: "b2" }))).toEqual(["b2"]);
        expect(ids(await store.listInstances({ idPrefix: "a", metadata: { team: "x" } }))).toEqual(["a1"]);
        expect(ids(await store.listInstances({ idPrefix: "zz" }))).toEqual([]);
        // Characters that are wildcards in SQL patterns match only themselves.
        await start("x_1", { now: t });
        await start("xa1", { now: t });
        await start("x%2", { now: t });
        expect(ids(await store.listInstances({ idPrefix: "x_" }))).toEqual(["x_1"]);
        expect(ids(await store.listInstances({ idPrefix: "x%" }))).toEqual(["x%2"]);
      });

      test("pages continue after the last instance of the previous page, ties included", async () => {
        await seed();
        const first = await store.listInstances({ limit: 2 });
        expect(ids(first)).toEqual(["b3", "b2"]);
        const after = { createdAt: first[1]!.createdAt, instanceId: first[1]!.instanceId };
        expect(ids(await store.listInstances({ after, limit: 2 }))).toEqual(["b1", "a2"]);
        const tie = { createdAt: first[0]!.createdAt, instanceId: first[0]!.instanceId };
        expect(ids(await store.listInstances({ after: tie, limit: 1 }))).toEqual(["b2"]);
        const metadataPage = await store.listInstances({ metadata: { team: "x" }, limit: 1, after: tie });
        expect(ids(metadataPage)).toEqual(["b1"]);
      });
    });

    test("statistics count instances by name and status, and the turns and activities waiting", async () => {
      const t = Date.now();
      await start("a1", { name: "alpha", now: t - 3000 });
      await start("a2", { name: "alpha", now: t - 2000 });
      await start("b1", { name: "beta", now: t - 1000 });
      const waiting = await store.statistics(Date.now());
      expect(waiting).toMatchObject({ readyTurns: 3, oldestReadyTurnAt: t - 3000, readyActivities: 0 });
      const sorted = (s: typeof waiting) =>
        [...s.instances].sort((x, y) => `${x.name}${x.status}`.localeCompare(`${y.name}${y.status}`));
      expect(sorted(waiting)).toEqual([
        { name: "alpha", status: "PENDING", count: 2 },
        { name: "beta", status: "PENDING", count: 1 },
      ]);
      await complete(await turnFor("a1"), [finish()]);
      await complete(await turnFor("b1"), [schedule(0)]);
      const activity = await nextActivity();
      await store.abandonActivityWorkItem(activity);
      const after = await store.statistics(Date.now());
      expect(sorted(after)).toEqual([
        { name: "alpha", status: "COMPLETED", count: 1 },
        { name: "alpha", status: "PENDING", count: 1 },
        { name: "beta", status: "RUNNING", count: 1 },
      ]);
      // a2's turn was taken and given back on the way: a store may count its wait from then.
      expect(after).toMatchObject({ readyTurns: 1, readyActivities: 1 });
      expect(after.oldestReadyTurnAt).toBeGreaterThanOrEqual(t - 2000);
      expect(after.oldestReadyActivityAt).toBeLessThanOrEqual(Date.now());
      expect(after.commits).toBeGreaterThan(0);
      expect(after.writes).toBeGreaterThanOrEqual(after.commits);
    });

    test("watch reports new work and instance changes; unsubscribing stops it", async () => {
      const events: StoreEvent[] = [];
      const unwatch = store.watch((e) => events.push(e));
      await start("a");
      expect(events).toContainEqual({ kind: "workflow-ready" });
      await runTurn([schedule(0)]);
      expect(events).toContainEqual({ kind: "instance-changed", instanceId: "a", status: "RUNNING" });
      expect(events).toContainEqual({ kind: "activity-ready" });
      unwatch();
      const seen = events.length;
      await terminate("a");
      await runTurn();
      expect(events).toHaveLength(seen);
    });
  });
}
