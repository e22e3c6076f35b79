/** An HTTP app over an in-memory runtime with a few small workflows, driven with fastify's inject(). */
import type { FastifyInstance } from "fastify";
import { createHttpApp, type HttpAppOptions } from "../../src/api/http/app.js";
import type { WorkflowContext } from "../../src/index.js";
import { WorkflowRuntime } from "../../src/index.js";

export const VERSIONS = ["v1.0", "v1.0-beta1", "v1.0-alpha1"] as const;

/** Returns its input. */
export function* Echo(_ctx: WorkflowContext, input: unknown) {
  return input;
}

/** Waits for the event `go` and returns its data. */
export function* AwaitGo(ctx: WorkflowContext) {
  ctx.setCustomStatus("waiting");
  const data: unknown = yield ctx.waitForExternalEvent("go");
  return { got: data };
}

export function* Fails(_ctx: WorkflowContext): Generator<never, never> {
  throw new TypeError("boom");
}

export interface Harness {
  app: FastifyInstance;
  runtime: WorkflowRuntime;
  call(
    method: "GET" | "POST" | "DELETE" | "PUT",
    url: string,
    body?: string,
    headers?: Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: tests read answer bodies field by field
  ): Promise<{ status: number; json: any; headers: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

export async function harness(options: Partial<HttpAppOptions> = {}): Promise<Harness> {
  const runtime = new WorkflowRuntime({ databasePath: ":memory:" });
  runtime.registerWorkflow(Echo).registerWorkflow(AwaitGo).registerWorkflow(Fails);
  await runtime.start();
  const app = await createHttpApp({ runtime, ...options });
  return {
    app,
    runtime,
    async call(method, url, body, headers) {
      const response = await app.inject({ method, url, payload: body, headers });
      let json: unknown;
      try {
        json = response.body ? JSON.parse(response.body) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.statusCode, json, headers: response.headers, text: response.body };
    },
    async close() {
      await app.close();
      await runtime.stop();
    },
  };
}

/** Waits until the instance finished (or `status` is reached), through the service. */
export function settled(h: Harness, id: string) {
  return h.runtime.service.waitForCompletion(id, 10_000);
}

export function reached(h: Harness, id: string, status: "RUNNING" | "SUSPENDED") {
  return h.runtime.service.waitForStatus(id, [status], 10_000);
}
