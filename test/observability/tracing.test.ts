/**
 * Traces: a workflow started over HTTP with a W3C traceparent yields, in an in-memory exporter, one span for the
 * execution (a child of the caller's span, in the caller's trace), one per turn and one per activity run (children
 * of the execution's span). Without the OTLP environment variables tracing is off.
 */

import { credentials, Metadata } from "@grpc/grpc-js";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, test } from "vitest";
import { taskHubClientClass } from "../../src/api/grpc/service-definition.js";
import { GrpcSidecar } from "../../src/api/grpc/sidecar.js";
import { createHttpApp } from "../../src/api/http/app.js";
import type { ActivityContext, WorkflowContext } from "../../src/index.js";
import { WorkflowRuntime } from "../../src/index.js";
import { tracingFromEnv, WorkflowTracing } from "../../src/observability/tracing.js";

function Double(_ctx: ActivityContext, n: number) {
  return n * 2;
}

function* Chain(ctx: WorkflowContext, n: number): Generator<unknown, number, number> {
  const once = yield ctx.callActivity(Double, n);
  return yield ctx.callActivity(Double, once);
}

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

describe("tracing", () => {
  test("a workflow started with a traceparent yields the expected span tree", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = new WorkflowTracing(new SimpleSpanProcessor(exporter));
    const runtime = new WorkflowRuntime({ databasePath: ":memory:", observe: tracing.observe });
    runtime.registerWorkflow(Chain).registerActivity(Double);
    await runtime.start();
    const app = await createHttpApp({ runtime });
    try {
      const started = await app.inject({
        method: "POST",
        url: "/v1.0/workflows/dapr/Chain/start?instanceID=traced",
        payload: "3",
        headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      });
      expect(started.statusCode).toBe(202);
      await runtime.service.waitForCompletion("traced", 20_000);
      // The trace context is kept with the instance but not shown as the caller's metadata.
      const status = await app.inject({ method: "GET", url: "/v1.0/workflows/dapr/traced" });
      expect(status.json().metadata).toBeUndefined();
      const spans = exporter.getFinishedSpans();
      const id = (s: ReadableSpan) => s.spanContext().spanId;
      const parent = (s: ReadableSpan) => s.parentSpanContext?.spanId;
      const run = spans.find((s) => s.name === "workflow Chain")!;
      expect(run).toBeDefined();
      expect(run.spanContext().traceId).toBe(CALLER_TRACE);
      expect(parent(run)).toBe(CALLER_SPAN);
      expect(run.attributes).toMatchObject({
        "workflow.instance_id": "traced",
        "workflow.status": "COMPLETED",
      });
      const turns = spans.filter((s) => s.name === "workflow turn Chain");
      const activities = spans.filter((s) => s.name === "activity Double");
      expect(turns).toHaveLength(3);
      expect(activities).toHaveLength(2);
      for (const span of [...turns, ...activities]) {
        expect(span.spanContext().traceId).toBe(CALLER_TRACE);
        expect(parent(span)).toBe(id(run));
      }
      expect(spans).toHaveLength(1 + 3 + 2);
      // The execution spans its whole run.
      const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
      for (const span of [...turns, ...activities]) {
        expect(ms(span.startTime)).toBeGreaterThanOrEqual(ms(run.startTime) - 1);
        expect(ms(span.endTime)).toBeLessThanOrEqual(ms(run.endTime) + 1);
      }
    } finally {
      await app.close();
      await runtime.stop();
      await tracing.shutdown();
    }
  });

  test("a workflow started without a trace gets a trace of its own, with the same tree", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = new WorkflowTracing(new SimpleSpanProcessor(exporter));
    const runtime = new WorkflowRuntime({ databasePath: ":memory:", observe: tracing.observe });
    runtime.registerWorkflow(Chain).registerActivity(Double);
    await runtime.start();
    try {
      const id = await runtime.service.start({ name: "Chain", input: "1", instanceId: "untraced" });
      await runtime.service.waitForCompletion(id, 20_000);
      const spans = exporter.getFinishedSpans();
      const run = spans.find((s) => s.name === "workflow Chain")!;
      expect(run.parentSpanContext).toBeUndefined();
      expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(
        new Set([run.spanContext().traceId]),
      );
      expect(spans.filter((s) => s.parentSpanContext?.spanId === run.spanContext().spanId)).toHaveLength(5);
    } finally {
      await runtime.stop();
      await tracing.shutdown();
    }
  });

  test("a gRPC StartInstance with traceparent metadata parents the execution", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = new WorkflowTracing(new SimpleSpanProcessor(exporter));
    const sidecar = new GrpcSidecar();
    const runtime = new WorkflowRuntime({
      databasePath: ":memory:",
      remote: sidecar.router,
      observe: tracing.observe,
    });
    runtime.registerWorkflow(Chain).registerActivity(Double);
    sidecar.attach(runtime);
    await runtime.start();
    const port = await sidecar.listen("127.0.0.1", 0);
    const client = new (taskHubClientClass())(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const metadata = new Metadata();
      metadata.set("traceparent", `00-${CALLER_TRACE}-${CALLER_SPAN}-01`);
      await new Promise((resolve, reject) =>
        (
          client as unknown as Record<string, (r: object, m: Metadata, cb: (e: unknown) => void) => void>
        ).StartInstance!.call(
          client,
          { name: "Chain", instanceId: "grpc-traced", input: { value: "2" } },
          metadata,
          (e) => (e ? reject(e) : resolve(undefined)),
        ),
      );
      await runtime.service.waitForCompletion("grpc-traced", 20_000);
      const run = exporter.getFinishedSpans().find((s) => s.name === "workflow Chain")!;
      expect(run.spanContext().traceId).toBe(CALLER_TRACE);
      expect(run.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    } finally {
      client.close();
      await sidecar.close();
      await runtime.stop(1000);
      await tracing.shutdown();
    }
  });

  test("tracing is off unless the OTLP environment names an endpoint", () => {
    expect(tracingFromEnv({})).toBeUndefined();
    expect(
      tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" }),
    ).toBe(undefined);
    expect(
      tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" }),
    ).toBe(undefined);
    const on = tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" });
    expect(on).toBeInstanceOf(WorkflowTracing);
    void on?.shutdown();
  });
});
