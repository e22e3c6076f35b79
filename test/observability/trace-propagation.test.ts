/**
 * Trace contexts carried past the start: an event raised with a caller's `traceparent` (HTTP under every API
 * version, gRPC metadata, a trigger's CloudEvent) gets a PRODUCER span in the caller's trace, linked to the
 * execution's span; a child workflow joins its parent's trace; a remote worker's ActivityRequest carries the
 * activity span's context (Dapr's current schema, field 6), and a start's CreateInstanceRequest field 9 parents
 * the execution. With no tracer that asks for them, raises tell no trace facts (no read is spent).
 */
import { credentials, Metadata } from "@grpc/grpc-js";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, test } from "vitest";
import { taskHubClientClass } from "../../src/api/grpc/service-definition.js";
import { GrpcSidecar } from "../../src/api/grpc/sidecar.js";
import { createHttpApp } from "../../src/api/http/app.js";
import { dispatch } from "../../src/components/dispatch.js";
import { InstanceIdTemplate, parseFieldPath } from "../../src/components/template.js";
import type { LifecycleFact } from "../../src/engine/lifecycle.js";
import type { WorkflowContext } from "../../src/index.js";
import { WorkflowRuntime } from "../../src/index.js";
import { WorkflowTracing } from "../../src/observability/tracing.js";
import { RawClient } from "../grpc/raw-client.js";

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const RAISER_TRACE = "0af7651916cd43dd8448eb211c80319c";
const RAISER_SPAN = "b7ad6b7169203331";
const raiser = (span = RAISER_SPAN) => `00-${RAISER_TRACE}-${span}-01`;

function* Waiter(ctx: WorkflowContext): Generator<unknown, string, unknown> {
  for (const name of ["a", "b", "c"]) yield ctx.waitForExternalEvent(name);
  return "done";
}

function* Child(_ctx: WorkflowContext, n: number): Generator<unknown, number, unknown> {
  return n + 1;
}

function* Parent(ctx: WorkflowContext, n: number): Generator<unknown, number, number> {
  return yield ctx.callChildWorkflow(Child, n, "child-of-traced");
}

// biome-ignore lint/suspicious/noExplicitAny: raw protocol messages
type Item = Record<string, any>;

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function traced() {
  const exporter = new InMemorySpanExporter();
  const tracing = new WorkflowTracing(new SimpleSpanProcessor(exporter));
  closers.push(() => tracing.shutdown());
  return { exporter, tracing };
}

const spanId = (s: ReadableSpan) => s.spanContext().spanId;
const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

/** The raise spans must sit in the raiser's trace under its span, and link to the execution's span. */
function expectRaiseSpans(spans: ReadableSpan[], run: ReadableSpan, parents: string[]) {
  const raises = spans.filter((s) => s.name.startsWith("raise event "));
  expect(raises.map((s) => s.name).sort()).toEqual(
    ["a", "b", "c"].slice(0, parents.length).map((n) => `raise event ${n}`),
  );
  for (const span of raises) {
    expect(span.kind).toBe(SpanKind.PRODUCER);
    expect(span.spanContext().traceId).toBe(RAISER_TRACE);
    expect(span.links).toHaveLength(1);
    expect(span.links[0]!.context.spanId).toBe(spanId(run));
    expect(span.links[0]!.context.traceId).toBe(run.spanContext().traceId);
    expect(span.attributes["workflow.instance_id"]).toBe(run.attributes["workflow.instance_id"]);
  }
  expect(raises.map((s) => s.parentSpanContext?.spanId).sort()).toEqual([...parents].sort());
}

describe("trace propagation", () => {
  test("HTTP raise-event under every API version, with a traceparent, is a span of the raiser linked to the run", async () => {
    const { exporter, tracing } = traced();
    const runtime = new WorkflowRuntime({ databasePath: ":memory:", observe: tracing.observe });
    runtime.registerWorkflow(Waiter);
    await runtime.start();
    closers.push(() => runtime.stop());
    const app = await createHttpApp({ runtime });
    closers.push(() => app.close());
    const started = await app.inject({
      method: "POST",
      url: "/v1.0/workflows/dapr/Waiter/start?instanceID=waits",
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    expect(started.statusCode).toBe(202);
    await runtime.service.waitForStart("waits", 20_000);
    // A malformed traceparent is ignored: the event is raised, with no span.
    const bad = await app.inject({
      method: "POST",
      url: "/v1.0/workflows/dapr/waits/raiseEvent/x",
      headers: { traceparent: "00-not-a-trace-01" },
    });
    expect(bad.statusCode).toBe(202);
    const spans = ["1111111111111111", "2222222222222222", "3333333333333333"];
    const raised = [
      { url: "/v1.0/workflows/dapr/waits/raiseEvent/a", payload: "1" },
      { url: "/v1.0-beta1/workflows/dapr/waits/raiseEvent/b", payload: "2" },
      { url: "/v1.0-alpha1/workflows/dapr/waits/raiseEvent", payload: { eventName: "c", eventData: 3 } },
    ];
    for (const [i, { url, payload }] of raised.entries()) {
      const response = await app.inject({
        method: "POST",
        url,
        payload,
        headers: { traceparent: raiser(spans[i]) },
      });
      expect(response.statusCode).toBe(202);
    }
    await runtime.service.waitForCompletion("waits", 20_000);
    const finished = exporter.getFinishedSpans();
    const run = byName(finished, "workflow Waiter")[0]!;
    expect(run.spanContext().traceId).toBe(CALLER_TRACE);
    expectRaiseSpans(finished, run, spans);
  });

  test("gRPC RaiseEvent with traceparent metadata and a trigger's CloudEvent traceparent do the same", async () => {
    const { exporter, tracing } = traced();
    const sidecar = new GrpcSidecar();
    const runtime = new WorkflowRuntime({
      databasePath: ":memory:",
      remote: sidecar.router,
      observe: tracing.observe,
    });
    runtime.registerWorkflow(Waiter);
    sidecar.attach(runtime);
    await runtime.start();
    closers.push(() => runtime.stop(1000));
    const port = await sidecar.listen("127.0.0.1", 0);
    closers.push(() => sidecar.close());
    const client = new (taskHubClientClass())(`127.0.0.1:${port}`, credentials.createInsecure());
    closers.push(() => client.close());
    await runtime.service.start({ name: "Waiter", instanceId: "untraced-waiter" });
    await runtime.service.waitForStart("untraced-waiter", 20_000);
    const metadata = new Metadata();
    metadata.set("traceparent", raiser("4444444444444444"));
    await new Promise((resolve, reject) =>
      (
        client as unknown as Record<string, (r: object, m: Metadata, cb: (e: unknown) => void) => void>
      ).RaiseEvent!.call(
        client,
        { instanceId: "untraced-waiter", name: "a", input: { value: "1" } },
        metadata,
        (e) => (e ? reject(e) : resolve(undefined)),
      ),
    );
    const route = {
      action: "raise-event" as const,
      eventName: "b",
      instanceId: InstanceIdTemplate.parse("untraced-waiter"),
      input: parseFieldPath(".data"),
    };
    const event = {
      specversion: "1.0",
      id: "m1",
      source: "test",
      type: "t",
      data: 2,
      traceparent: raiser("5555555555555555"),
    };
    await dispatch({ service: runtime.service, triggerName: "orders" }, route, event);
    // No traceparent: no span.
    await dispatch(
      { service: runtime.service, triggerName: "orders" },
      { ...route, eventName: "c" },
      {
        ...event,
        id: "m2",
        traceparent: undefined,
      },
    );
    await runtime.service.waitForCompletion("untraced-waiter", 20_000);
    const finished = exporter.getFinishedSpans();
    const run = byName(finished, "workflow Waiter")[0]!;
    // The execution's trace is its own (derived), not the raiser's: the link joins the two.
    expect(run.spanContext().traceId).not.toBe(RAISER_TRACE);
    expectRaiseSpans(finished, run, ["4444444444444444", "5555555555555555"]);
  });

  test("without a tracer that asks, a raise with a traceparent tells no trace fact", async () => {
    const facts: LifecycleFact[] = [];
    const runtime = new WorkflowRuntime({ databasePath: ":memory:", observe: (fact) => facts.push(fact) });
    runtime.registerWorkflow(Waiter);
    await runtime.start();
    closers.push(() => runtime.stop());
    await runtime.service.start({ name: "Waiter", instanceId: "w" });
    await runtime.service.raiseEvent("w", "a", "1", { traceparent: raiser() });
    expect(facts.filter((f) => f.type === "event-raised")).toEqual([]);
    expect(facts.filter((f) => f.type === "operation" && f.operation === "add_event")).toHaveLength(1);
  });

  test("a child workflow joins its parent's trace: its execution span is a child of the parent's", async () => {
    const { exporter, tracing } = traced();
    const runtime = new WorkflowRuntime({
      databasePath: ":memory:",
      observe: tracing.observe,
      traces: tracing,
    });
    runtime.registerWorkflow(Parent).registerWorkflow(Child);
    await runtime.start();
    closers.push(() => runtime.stop());
    await runtime.service.start({
      name: "Parent",
      input: "1",
      instanceId: "traced-parent",
      metadata: { "weft.traceparent": `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    const done = await runtime.service.waitForCompletion("traced-parent", 20_000);
    expect(done.output).toBe("2");
    await runtime.service.waitForCompletion("child-of-traced", 20_000);
    const finished = exporter.getFinishedSpans();
    const parent = byName(finished, "workflow Parent")[0]!;
    const child = byName(finished, "workflow Child")[0]!;
    expect(parent.spanContext().traceId).toBe(CALLER_TRACE);
    expect(child.spanContext().traceId).toBe(CALLER_TRACE);
    expect(child.parentSpanContext?.spanId).toBe(spanId(parent));
    for (const turn of byName(finished, "workflow turn Child")) {
      expect(turn.spanContext().traceId).toBe(CALLER_TRACE);
      expect(turn.parentSpanContext?.spanId).toBe(spanId(child));
    }
  });

  test("gRPC: CreateInstanceRequest.parentTraceContext parents the run; an ActivityRequest carries the activity span", async () => {
    const { exporter, tracing } = traced();
    const sidecar = new GrpcSidecar();
    const runtime = new WorkflowRuntime({
      databasePath: ":memory:",
      remote: sidecar.router,
      observe: tracing.observe,
      traces: tracing,
    });
    sidecar.attach(runtime);
    await runtime.start();
    closers.push(() => runtime.stop(1000));
    const port = await sidecar.listen("127.0.0.1", 0);
    closers.push(() => sidecar.close());
    const client = new RawClient(`127.0.0.1:${port}`);
    closers.push(() => client.close());
    const worker = client.workItems();
    closers.push(() => worker.cancel());
    const started = client.call("StartInstance", {
      instanceId: "remote-traced",
      name: "Remote",
      parentTraceContext: { traceParent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    const first: Item = await worker.next();
    expect(first.orchestratorRequest.instanceId).toBe("remote-traced");
    await client.call("CompleteOrchestratorTask", {
      instanceId: "remote-traced",
      actions: [{ id: 1, scheduleTask: { name: "Act", input: { value: "1" } } }],
    });
    await started;
    const second: Item = await worker.next();
    const context = second.activityRequest.parentTraceContext;
    expect(context.traceParent).toMatch(new RegExp(`^00-${CALLER_TRACE}-[0-9a-f]{16}-01$`));
    await client.call("CompleteActivityTask", {
      instanceId: "remote-traced",
      taskId: 1,
      result: { value: "2" },
    });
    await eventuallySpan(exporter, "activity Act");
    const activity = byName(exporter.getFinishedSpans(), "activity Act")[0]!;
    expect(context.traceParent).toBe(`00-${CALLER_TRACE}-${spanId(activity)}-01`);
    const third: Item = await worker.next();
    expect(third.orchestratorRequest.instanceId).toBe("remote-traced");
    await client.call("CompleteOrchestratorTask", {
      instanceId: "remote-traced",
      actions: [
        {
          id: 2,
          completeOrchestration: {
            orchestrationStatus: "ORCHESTRATION_STATUS_COMPLETED",
            result: { value: "2" },
          },
        },
      ],
    });
    await runtime.service.waitForCompletion("remote-traced", 20_000);
    const run = byName(exporter.getFinishedSpans(), "workflow Remote")[0]!;
    expect(run.spanContext().traceId).toBe(CALLER_TRACE);
    expect(run.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(activity.parentSpanContext?.spanId).toBe(spanId(run));
  });
});

async function eventuallySpan(exporter: InMemorySpanExporter, name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!exporter.getFinishedSpans().some((s) => s.name === name)) {
    if (Date.now() > deadline) throw new Error(`no span ${name}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
