/**
 * The workflows and activities of the conformance scenarios, written once against `Ctx` and registered by name
 * with both SDKs. Workflows are `async function*`, as the SDKs require; payloads avoid falsy values, which the
 * SDKs drop (a documented quirk, not the sidecar's behaviour).
 */
import type { Act, Ctx, Flow } from "./sdk.js";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const flows: Record<string, Flow> = {
  /** A plain async function: completes in its first turn. */
  Empty: async () => "empty",

  Chain: async function* (ctx: Ctx, n: number) {
    let x = n;
    for (let i = 0; i < 3; i++) x = yield ctx.activity("AddOne", x);
    return { x, replaying: ctx.replaying() };
  },

  FanOut: async function* (ctx: Ctx, n: number) {
    const squares: number[] = yield ctx.whenAll(range(1, n).map((i) => ctx.activity("Square", i)));
    return { count: squares.length, sum: squares.reduce((a, b) => a + b, 0) };
  },

  Timers: async function* (ctx: Ctx) {
    const t0 = ctx.now().getTime();
    yield ctx.timer(1);
    const t1 = ctx.now().getTime();
    yield ctx.timer(new Date(t1 + 1000));
    return [t0, t1, ctx.now().getTime()];
  },

  /** The event is raised while the timer runs, so it arrives before the wait. */
  EventAfterTimer: async function* (ctx: Ctx) {
    yield ctx.timer(1);
    return yield ctx.event("Approval");
  },

  EventOrTimeout: async function* (ctx: Ctx, seconds: number) {
    const approval = ctx.event("Approval");
    const timeout = ctx.timer(seconds);
    const winner: unknown = yield ctx.whenAny([approval, timeout]);
    return winner === approval ? { approved: approval.getResult() } : "timed out";
  },

  ThreeEvents: async function* (ctx: Ctx) {
    const a = yield ctx.event("First");
    const b = yield ctx.event("Second");
    const c = yield ctx.event("Third");
    return [a, b, c];
  },

  Parent: async function* (ctx: Ctx) {
    const auto = yield ctx.child("Child", 1);
    const explicit = yield ctx.child("Child", 2, `${ctx.instanceId}-explicit`);
    return [auto, explicit];
  },

  Child: async (_ctx: Ctx, n: number) => n * 10,

  ParentCatches: async function* (ctx: Ctx) {
    try {
      yield ctx.child("FailingChild");
      return "no failure";
    } catch (error) {
      return { caught: (error as Error).constructor.name, message: (error as Error).message };
    }
  },

  ParentFails: async function* (ctx: Ctx) {
    return yield ctx.child("FailingChild");
  },

  FailingChild: async () => {
    throw new Error("the child gave up");
  },

  /** Generation "first" waits on a timer while an event arrives; it hands the event on to generation "second". */
  ContinueAsNew: async function* (ctx: Ctx, generation: string) {
    if (generation === "first") {
      yield ctx.timer(1);
      ctx.continueAsNew("second", true);
      return undefined;
    }
    const carried = yield ctx.event("Carried");
    return { generation, carried };
  },

  WaitForGo: async function* (ctx: Ctx) {
    return yield ctx.event("Go");
  },

  CustomStatus: async function* (ctx: Ctx) {
    ctx.setCustomStatus("waiting");
    const value = yield ctx.event("Go");
    ctx.setCustomStatus("done");
    return value;
  },

  ActivityFails: async function* (ctx: Ctx) {
    return yield ctx.activity("Boom", "kaput");
  },

  /** Retries are user code in the JS SDKs: catch, wait on a durable timer, call again. */
  RetryLoop: async function* (ctx: Ctx, key: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = yield ctx.activity("Flaky", key);
        return { attempt, result };
      } catch (error) {
        if (attempt >= 5) throw error;
        yield ctx.timer(new Date(ctx.now().getTime() + 200));
      }
    }
  },

  CallsMissingActivity: async function* (ctx: Ctx) {
    return yield ctx.activity("NoSuchActivity", "x");
  },
};

const flakyCalls = new Map<string, number>();

export const activities: Record<string, Act> = {
  AddOne: (x: number) => x + 1,
  /** Slow enough that a large fan-out piles up on the worker (the 3.18 worker drops what exceeds its queue). */
  Square: async (i: number) => {
    await new Promise((done) => setTimeout(done, 20));
    return i * i;
  },
  Boom: (message: string) => {
    throw new Error(message);
  },
  /** Fails the first two calls for a key. */
  Flaky: (key: string) => {
    const calls = (flakyCalls.get(key) ?? 0) + 1;
    flakyCalls.set(key, calls);
    if (calls < 3) throw new Error(`attempt ${calls} failed`);
    return `ok after ${calls}`;
  },
};
