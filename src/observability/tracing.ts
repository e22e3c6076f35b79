/**
 * OpenTelemetry traces from the engine's lifecycle facts: a span per turn and per activity run, while they run,
 * and a span per workflow execution, emitted when it ends (from its creation to its last commit). The execution's
 * span id and, without a caller's trace, its trace id are derived from the instance and execution ids, so the
 * spans of its turns link to it on whichever node, before or after a restart, they ran. A caller's W3C
 * `traceparent` (kept in the instance's metadata at start) makes the execution a child of the caller's span.
 * An event raised with a caller's `traceparent` gets a span of its own in the caller's trace, linked to the
 * execution's span. As the engine's TraceContexts, it also hands out the contexts that child workflows (joining
 * their parent's trace) and remote activity workers continue.
 *
 * Off unless the standard OTLP environment variables name an endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off):
 * then no observer is installed and nothing is spent.
 */
import { createHash } from "node:crypto";
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { parseTraceParent } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type IdGenerator,
  RandomIdGenerator,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { ActivityTask } from "../core/work.js";
import type { LifecycleFact, LifecycleObserver, TraceContexts } from "../engine/lifecycle.js";

/** Runs seen lately: their trace ids, for activities (whose work items do not carry the instance's metadata). */
const REMEMBERED_RUNS = 10_000;

/** Hands out the ids of the next span when told to, else random ones (the SDK offers no per-span choice). */
class ChosenIds implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  next: { traceId?: string; spanId?: string } = {};
  generateTraceId(): string {
    return this.next.traceId ?? this.#random.generateTraceId();
  }
  generateSpanId(): string {
    return this.next.spanId ?? this.#random.generateSpanId();
  }
}

export class WorkflowTracing implements TraceContexts {
  readonly observe: LifecycleObserver = Object.assign((fact: LifecycleFact) => this.#record(fact), {
    tracesRaisedEvents: true,
  });
  readonly #provider: BasicTracerProvider;
  readonly #ids = new ChosenIds();
  readonly #tracer;
  readonly #turns = new Map<string, Span>();
  readonly #activities = new Map<string, Span>();
  readonly #traceIds = new Map<string, string>();

  constructor(processor: SpanProcessor, serviceName = "weft") {
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": serviceName }),
      spanProcessors: [processor],
      idGenerator: this.#ids,
    });
    this.#tracer = this.#provider.getTracer("weft");
  }

  runTraceparent(instanceId: string, executionId: string, traceparent: string | undefined): string {
    return formatTraceparent(this.#runSpanContext(instanceId, executionId, traceparent));
  }

  activityTraceparent(task: ActivityTask): string | undefined {
    const span = this.#activities.get(activityKey(task));
    return span && formatTraceparent(span.spanContext());
  }

  /** Exports what is buffered and stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }

  #record(fact: LifecycleFact): void {
    switch (fact.type) {
      case "turn-started": {
        const parent = this.#runContext(fact.instanceId, fact.executionId, fact.traceparent);
        const span = this.#tracer.startSpan(
          `workflow turn ${fact.name}`,
          { kind: SpanKind.INTERNAL, startTime: fact.at, attributes: workflowAttributes(fact) },
          parent,
        );
        this.#turns.get(fact.instanceId)?.end();
        this.#turns.set(fact.instanceId, span);
        return;
      }
      case "turn-committed": {
        const span = this.#turns.get(fact.instanceId);
        this.#turns.delete(fact.instanceId);
        span?.setAttribute("workflow.status", fact.after);
        span?.end(fact.committedAt);
        if (fact.before !== fact.after && ["COMPLETED", "FAILED", "TERMINATED"].includes(fact.after)) {
          this.#endRun(fact);
        }
        return;
      }
      case "turn-abandoned": {
        const span = this.#turns.get(fact.instanceId);
        this.#turns.delete(fact.instanceId);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: fact.reason });
        span?.end(fact.at);
        return;
      }
      case "activity-started": {
        const { task } = fact;
        const parent = this.#runContext(task.instanceId, task.executionId, undefined);
        const span = this.#tracer.startSpan(
          `activity ${task.name}`,
          {
            kind: SpanKind.INTERNAL,
            startTime: fact.at,
            attributes: {
              "workflow.instance_id": task.instanceId,
              "workflow.activity.name": task.name,
              "workflow.activity.task_id": task.taskId,
              "workflow.activity.attempt": fact.dispatchCount,
            },
          },
          parent,
        );
        this.#activities.get(activityKey(task))?.end();
        this.#activities.set(activityKey(task), span);
        return;
      }
      case "activity-finished": {
        const key = activityKey(fact.task);
        const span = this.#activities.get(key);
        this.#activities.delete(key);
        if (fact.outcome !== "success")
          span?.setStatus({ code: SpanStatusCode.ERROR, message: fact.outcome });
        span?.end(fact.finishedAt);
        return;
      }
      case "event-raised": {
        const caller = callerContext(fact.traceparent);
        if (!caller) return;
        // PRODUCER: the raise puts a message in the instance's inbox, and a later turn (another span, maybe on
        // another node) consumes it; the link leads from here to that execution's span.
        const links =
          fact.executionId === undefined
            ? []
            : [{ context: this.#runSpanContext(fact.instanceId, fact.executionId, fact.runTraceparent) }];
        const span = this.#tracer.startSpan(
          `raise event ${fact.eventName}`,
          {
            kind: SpanKind.PRODUCER,
            startTime: fact.startedAt,
            attributes: { "workflow.instance_id": fact.instanceId, "workflow.event.name": fact.eventName },
            links,
          },
          trace.setSpanContext(ROOT_CONTEXT, caller),
        );
        if (fact.status === "failed") span.setStatus({ code: SpanStatusCode.ERROR });
        span.end(fact.finishedAt);
        return;
      }
      case "operation":
        return;
    }
  }

  /** The execution's span, emitted now with the id its turns and activities already point at. */
  #endRun(fact: Extract<LifecycleFact, { type: "turn-committed" }>): void {
    const caller = callerContext(fact.traceparent);
    const run = this.#runSpanContext(fact.instanceId, fact.executionId, fact.traceparent);
    this.#ids.next = { traceId: caller ? undefined : run.traceId, spanId: run.spanId };
    let span: Span;
    try {
      span = this.#tracer.startSpan(
        `workflow ${fact.name}`,
        { kind: SpanKind.INTERNAL, startTime: fact.createdAt, attributes: workflowAttributes(fact) },
        caller ? trace.setSpanContext(ROOT_CONTEXT, caller) : ROOT_CONTEXT,
      );
    } finally {
      this.#ids.next = {};
    }
    span.setAttribute("workflow.status", fact.after);
    if (fact.after === "FAILED") span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(fact.committedAt);
    this.#traceIds.delete(fact.executionId);
  }

  #runContext(instanceId: string, executionId: string, traceparent: string | undefined): Context {
    return trace.setSpanContext(ROOT_CONTEXT, this.#runSpanContext(instanceId, executionId, traceparent));
  }

  #runSpanContext(instanceId: string, executionId: string, traceparent: string | undefined): SpanContext {
    let traceId = callerContext(traceparent)?.traceId ?? this.#traceIds.get(executionId);
    traceId ??= digest(`trace:${instanceId}:${executionId}`, 32);
    if (!this.#traceIds.has(executionId)) {
      this.#traceIds.set(executionId, traceId);
      if (this.#traceIds.size > REMEMBERED_RUNS) this.#traceIds.delete(this.#traceIds.keys().next().value!);
    }
    return {
      traceId,
      spanId: digest(`run:${instanceId}:${executionId}`, 16),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    };
  }
}

/** Tracing configured by the standard OTLP environment variables, or undefined when they ask for none. */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): WorkflowTracing | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none") return undefined;
  // The exporter reads the endpoint, headers, timeout and compression from the same variables itself.
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  return new WorkflowTracing(processor, env.OTEL_SERVICE_NAME || "weft");
}

function callerContext(traceparent: string | undefined): SpanContext | undefined {
  if (!traceparent) return undefined;
  return parseTraceParent(traceparent) ?? undefined;
}

function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

function digest(text: string, hexChars: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, hexChars);
}

function activityKey(task: { instanceId: string; executionId: string; taskId: number }): string {
  return `${task.instanceId}\u0000${task.executionId}\u0000${task.taskId}`;
}

function workflowAttributes(fact: { instanceId: string; name: string }) {
  return { "workflow.instance_id": fact.instanceId, "workflow.name": fact.name };
}
