/**
 * The Restate SDK endpoint of the bench, run as its own process (as a Restate service is deployed): the server
 * calls it over HTTP/2 for every invocation. Usage: node --import tsx restate-endpoint.ts <installDir>.
 * Prints `{"port":N}` on stdout once it listens on 127.0.0.1.
 */
import { createServer, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { createRequire } from "node:module";
import { join } from "node:path";
import { RESTATE_WAIT_INACTIVITY_TIMEOUT_MS } from "./restate-server.js";
import { STEPS_PER_WORKFLOW } from "./types.js";

/** The SDK 1.17 calls Promise.withResolvers, which Node 20 lacks (it arrived in Node 22). */
function polyfillWithResolvers(): void {
  if ("withResolvers" in Promise) return;
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: <T>() => {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/** The slice of the SDK's API this endpoint uses, typed here because the SDK is installed outside Weft. */
interface WorkflowContext {
  run<T>(name: string, action: () => T | Promise<T>): PromiseLike<T>;
  promise<T>(name: string): { get(): PromiseLike<T>; resolve(value: T): PromiseLike<void> };
}
/** `never` input so that handlers annotated with their own input type fit one map. */
type Handler = (ctx: WorkflowContext, input: never) => Promise<unknown>;
interface RestateSdk {
  workflow(definition: {
    name: string;
    handlers: Record<string, Handler>;
    options?: { inactivityTimeout?: number };
  }): unknown;
  createEndpointHandler(options: {
    services: unknown[];
  }): (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  RestatePromise: { all<T>(values: readonly PromiseLike<T>[]): PromiseLike<T[]> };
}

polyfillWithResolvers();
const installDir = process.argv[2];
if (!installDir) throw new Error("usage: restate-endpoint.ts <installDir>");
const sdk = createRequire(join(installDir, "package.json"))("@restatedev/restate-sdk") as RestateSdk;

/** W1, W2, W6: ten sequential steps, each returning its input + 1. */
const sequential = sdk.workflow({
  name: "SeqWf",
  handlers: {
    run: async (ctx: WorkflowContext, input: number) => {
      let value = input;
      for (let i = 0; i < STEPS_PER_WORKFLOW; i++) {
        const current = value;
        value = await ctx.run("step", () => current + 1);
      }
      return value;
    },
  },
});

/** W3: `input` parallel steps joined with RestatePromise.all (Restate's combinator for journaled promises). */
const fanOut = sdk.workflow({
  name: "FanWf",
  handlers: {
    run: async (ctx: WorkflowContext, input: number) => {
      const steps = Array.from({ length: input }, (_, i) => ctx.run("step", () => i + 1));
      const results = await sdk.RestatePromise.all(steps);
      return results.reduce((sum, v) => sum + v, 0);
    },
  },
});

/**
 * W4: `steps` sequential steps. Each step returns Date.now() when it ran, journaled like any step result, so the
 * workflow can report how long its first and last thousand steps took without trusting replayed clocks.
 */
const long = sdk.workflow({
  name: "LongWf",
  handlers: {
    run: async (ctx: WorkflowContext, input: { steps: number; window: number }) => {
      const { steps, window } = input;
      const stamps: number[] = [await ctx.run("start", () => Date.now())];
      for (let i = 0; i < steps; i++) stamps.push(await ctx.run("step", () => Date.now()));
      return {
        firstWindowMs: stamps[window]! - stamps[0]!,
        lastWindowMs: stamps[steps]! - stamps[steps - window]!,
      };
    },
  },
});

/**
 * W5: waits on a durable promise that the shared `signal` handler resolves from outside. Over HTTP/2 an invocation
 * blocked on a promise keeps its stream open until the inactivity timeout (server default 1 min) and only then
 * suspends; with the invoker's default cap of 1,000 concurrent invocations, 10,000 waiters would take ten minutes
 * to all be waiting. A short per-service inactivity timeout (a documented service option; durability unchanged)
 * makes them suspend, i.e. leave the SDK process, as a Restate user with long waits would configure.
 */
const waiting = sdk.workflow({
  name: "WaitWf",
  options: { inactivityTimeout: RESTATE_WAIT_INACTIVITY_TIMEOUT_MS },
  handlers: {
    run: async (ctx: WorkflowContext, input: number) => (await ctx.promise<number>("go").get()) + input,
    signal: async (ctx: WorkflowContext, input: number) => {
      await ctx.promise<number>("go").resolve(input);
      return null;
    },
  },
});

const server = createServer(sdk.createEndpointHandler({ services: [sequential, fanOut, long, waiting] }));
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
