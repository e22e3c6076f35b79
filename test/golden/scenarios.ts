/**
 * The workflows behind the golden histories (test/golden/*.json) and how record.ts drove each one. replay.test.ts
 * replays the saved histories through this very code, so an edit here that changes what a workflow does at some
 * step breaks its golden file exactly as it would break instances in flight. Such an edit needs a patch
 * (`ctx.isPatched`) or a new workflow name, not a re-recording.
 */
import type {
  Activity,
  ActivityContext,
  Workflow,
  WorkflowClient,
  WorkflowContext,
} from "../../src/index.js";
import { TaskTimeoutError } from "../../src/index.js";

// --- Activities: never replayed, so they may do as they please while recording. ---

const add = (_: ActivityContext, [a, b]: [number, number]) => a + b;
const greet = async (_: ActivityContext, name: string) => `hello ${name}`;
const attempts = new Map<string, number>();
/** Fails its first `failTimes` attempts of one call (same task execution id across retries). */
function flaky(ctx: ActivityContext, failTimes: number): string {
  const key = ctx.getTaskExecutionId();
  const n = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, n);
  if (n <= failTimes) throw new RangeError(`attempt ${n} failed`);
  return `ok after ${n}`;
}
class PaymentDeclined extends Error {}
const decline = (_: ActivityContext, reason: string) => {
  throw new PaymentDeclined(reason);
};

// --- Workflows ---

function* activities(ctx: WorkflowContext, names: string[]) {
  ctx.setCustomStatus("greeting");
  const greetings: string[] = [];
  for (const name of names) greetings.push(yield* ctx.callActivity(greet, name));
  ctx.setCustomStatus("adding");
  const sums = yield* ctx.whenAll(names.map((_, i) => ctx.callActivity(add, [i, 10] as [number, number])));
  const first = yield* ctx.whenAny([ctx.callActivity(add, [1, 1]), ctx.callActivity("greet", "any")]);
  return { greetings, sums, first: first.getResult() };
}

async function* asyncActivities(ctx: WorkflowContext, n: number) {
  let total = 0;
  for (let i = 1; i <= n; i++) total = yield* ctx.callActivity(add, [total, i] as [number, number]);
  return total;
}

function* retries(ctx: WorkflowContext) {
  const policy = { maxNumberOfAttempts: 3, firstRetryIntervalInMilliseconds: 50, backoffCoefficient: 2 };
  const recovered = yield* ctx.callActivity(flaky, 2, { retryPolicy: policy });
  try {
    yield* ctx.callActivity(flaky, 5, { retryPolicy: { ...policy, maxNumberOfAttempts: 2 } });
    return { recovered, exhausted: false };
  } catch (error) {
    return { recovered, exhausted: (error as Error).message };
  }
}

function* timers(ctx: WorkflowContext) {
  const t0 = ctx.getCurrentUtcDateTime().getTime();
  yield ctx.createTimer(0.1);
  yield ctx.createTimer(new Date(t0 + 250));
  let timedOut = false;
  try {
    yield* ctx.waitForExternalEvent("never", 0.1);
  } catch (error) {
    timedOut = error instanceof TaskTimeoutError;
  }
  const timer = ctx.createTimer(0.1);
  const winner = yield* ctx.whenAny<unknown>([ctx.waitForExternalEvent("never-either"), timer]);
  return { timedOut, timerWon: winner === timer, elapsed: ctx.getCurrentUtcDateTime().getTime() - t0 };
}

function* events(ctx: WorkflowContext, peer: string) {
  ctx.setCustomStatus("waiting");
  const a = yield* ctx.waitForExternalEvent<string>("a");
  const b = yield* ctx.waitForExternalEvent<string>("B");
  const approval = ctx.waitForExternalEvent<{ approved: boolean }>("Approval");
  const winner = yield* ctx.whenAny<unknown>([approval, ctx.createTimer(60)]);
  ctx.sendEvent(peer, "ping", `${a}${b}`);
  return { a, b, approved: winner === approval && approval.getResult().approved };
}

function* eventPeer(ctx: WorkflowContext) {
  return yield* ctx.waitForExternalEvent<string>("ping");
}

function* child(ctx: WorkflowContext, n: number) {
  if (n < 0) throw new Error("negative child input");
  return (yield* ctx.callActivity(add, [n, 100] as [number, number])) as number;
}

function* children(ctx: WorkflowContext, n: number) {
  const a = yield* ctx.callChildWorkflow(child, n);
  const b = yield* ctx.callChildWorkflow(child, a, `${ctx.getWorkflowInstanceId()}-named`);
  const both = yield* ctx.whenAll([ctx.callChildWorkflow(child, 1), ctx.callChildWorkflow(child, 2)]);
  try {
    yield* ctx.callChildWorkflow(child, -1);
    return "unreachable";
  } catch (error) {
    return { a, b, both, caught: (error as Error).message };
  }
}

function* counter(ctx: WorkflowContext, n: number) {
  if (n >= 3) {
    const carried = yield* ctx.waitForExternalEvent<string>("carry");
    return { n, carried };
  }
  yield* ctx.callActivity(add, [n, 1] as [number, number]);
  yield ctx.createTimer(0);
  ctx.continueAsNew(n + 1, true);
}

function* suspendable(ctx: WorkflowContext) {
  const before = yield* ctx.callActivity(greet, "before");
  ctx.setCustomStatus("waiting");
  const go = yield* ctx.waitForExternalEvent<string>("go");
  const after = yield* ctx.callActivity(greet, go);
  return [before, after];
}

function* waiter(ctx: WorkflowContext) {
  ctx.setCustomStatus("waiting");
  return yield* ctx.waitForExternalEvent("never");
}

function* terminated(ctx: WorkflowContext) {
  yield* ctx.callActivity(greet, "first");
  const kid = ctx.callChildWorkflow(waiter, undefined, `${ctx.getWorkflowInstanceId()}-child`);
  ctx.setCustomStatus("sleeping");
  yield ctx.whenAll<unknown>([kid, ctx.createTimer(3600)]);
  return "unreachable";
}

function* declined(ctx: WorkflowContext, amount: number) {
  yield* ctx.callActivity(add, [amount, 1] as [number, number]);
  yield* ctx.callActivity(decline, `card declined for ${amount}`);
  return "unreachable";
}

async function throws(ctx: WorkflowContext, input: string) {
  throw new RangeError(`bad input '${input}' for ${ctx.getWorkflowName()}`);
}

function* patched(ctx: WorkflowContext) {
  const first = yield* ctx.callActivity(greet, "always");
  const second = ctx.isPatched("greet-twice") ? yield* ctx.callActivity(greet, "patched") : "old";
  return [first, second];
}

/** Every workflow and activity of the golden files, by the name it is registered under. */
export const goldenWorkflows: Record<string, Workflow<never, unknown>> = {
  activities,
  asyncActivities,
  retries,
  timers,
  events,
  eventPeer,
  child,
  children,
  counter,
  suspendable,
  waiter,
  terminated,
  declined,
  throws,
  patched,
};
export const goldenActivities: Record<string, Activity<never, unknown>> = { add, greet, flaky, decline };

export interface Scenario {
  /** The golden file's name (test/golden/<name>.json). */
  name: string;
  about: string;
  /** Starts the scenario's instances and steers them to their end; returns the top-level instance ids. */
  drive(client: WorkflowClient): Promise<string[]>;
}

const WAIT_SECONDS = 30;

async function complete(client: WorkflowClient, ...ids: string[]): Promise<string[]> {
  for (const id of ids) await client.waitForWorkflowCompletion(id, false, WAIT_SECONDS);
  return ids;
}

/** Polls until the instance reports `status` as its custom status (the workflow is parked where we want it). */
async function reaches(client: WorkflowClient, id: string, status: string): Promise<void> {
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  while (Date.now() < deadline) {
    const state = await client.getWorkflowState(id);
    if (state?.serializedCustomStatus === JSON.stringify(status)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${id} never reported '${status}'`);
}

export const scenarios: Scenario[] = [
  {
    name: "activities",
    about:
      "activities in sequence, fan-out/fan-in (whenAll), whenAny, custom status; an async generator workflow",
    drive: async (client) =>
      complete(
        client,
        await client.scheduleNewWorkflow(activities, ["ada", "alan", "grace"], "golden-activities"),
        await client.scheduleNewWorkflow(asyncActivities, 4, "golden-async-activities"),
      ),
  },
  {
    name: "retries",
    about: "an activity retried until it succeeds, and one whose retries run out (caught by the workflow)",
    drive: async (client) =>
      complete(client, await client.scheduleNewWorkflow(retries, undefined, "golden-retries")),
  },
  {
    name: "timers",
    about: "relative and absolute timers, an external event that times out, whenAny won by a timer",
    drive: async (client) =>
      complete(client, await client.scheduleNewWorkflow(timers, undefined, "golden-timers")),
  },
  {
    name: "external-events",
    about:
      "an event raised before the workflow waits (buffered), a case-insensitive name, whenAny won by an event, sendEvent to another instance",
    drive: async (client) => {
      const peer = await client.scheduleNewWorkflow(eventPeer, undefined, "golden-events-peer");
      const id = await client.scheduleNewWorkflow(events, peer, "golden-events");
      await client.raiseEvent(id, "a", "x");
      // Raised long before the workflow waits for it: buffered until then.
      await client.raiseEvent(id, "approval", { approved: true });
      await reaches(client, id, "waiting");
      await client.raiseEvent(id, "b", "y");
      return complete(client, id, peer);
    },
  },
  {
    name: "child-workflows",
    about: "child workflows in sequence, with a given instance id, in parallel, and one that fails (caught)",
    drive: async (client) =>
      complete(client, await client.scheduleNewWorkflow(children, 5, "golden-children")),
  },
  {
    name: "continue-as-new",
    about: "a workflow that continues as new three times, carrying an unconsumed external event along",
    drive: async (client) => {
      const id = await client.scheduleNewWorkflow(counter, 0, "golden-continue-as-new");
      await client.raiseEvent(id, "carry", "carried");
      return complete(client, id);
    },
  },
  {
    name: "suspend-resume",
    about: "an instance suspended while it waits, an event raised while suspended (held), then resumed",
    drive: async (client) => {
      const id = await client.scheduleNewWorkflow(suspendable, undefined, "golden-suspend-resume");
      await reaches(client, id, "waiting");
      await client.suspendWorkflow(id, "hold on");
      await client.raiseEvent(id, "go", "after");
      await new Promise((resolve) => setTimeout(resolve, 200));
      await client.resumeWorkflow(id, "carry on");
      return complete(client, id);
    },
  },
  {
    name: "terminate",
    about:
      "an instance terminated while it waits on a child and a long timer; the child is terminated with it",
    drive: async (client) => {
      const id = await client.scheduleNewWorkflow(terminated, undefined, "golden-terminate");
      await reaches(client, id, "sleeping");
      await reaches(client, `${id}-child`, "waiting");
      await client.terminateWorkflow(id, { reason: "operator" });
      return complete(client, id, `${id}-child`);
    },
  },
  {
    name: "failure",
    about:
      "a workflow failed by an activity's error it does not catch, and a plain async workflow that throws",
    drive: async (client) =>
      complete(
        client,
        await client.scheduleNewWorkflow(declined, 42, "golden-declined"),
        await client.scheduleNewWorkflow(throws, "oops", "golden-throws"),
      ),
  },
  {
    name: "patches",
    about: "a patch taken by a live run (isPatched), recorded in history so replays answer the same",
    drive: async (client) =>
      complete(client, await client.scheduleNewWorkflow(patched, undefined, "golden-patches")),
  },
];
