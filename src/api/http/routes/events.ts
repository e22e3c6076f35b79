/**
 * `GET /weft/v1/events`: the lifecycle-event outbox as Server-Sent Events. Each event is one `data:` line holding
 * the CloudEvent that WorkflowEvents sinks publish (observability/workflow-events.ts), with the outbox id as the
 * SSE `id:`, so a client that reconnects with `Last-Event-ID` (browsers' EventSource does so by itself) resumes
 * exactly after the last event it saw. Without it the stream starts with the next new event; `?after=<id>` resumes
 * from an id and `?from=oldest` replays every event still kept.
 * Filters: `workflow=<name>` and `type=<started|completed|...>`, repeated or comma-separated.
 */
import type { FastifyPluginAsync } from "fastify";
import { LIFECYCLE_EVENT_TYPES, type LifecycleEventType } from "../../../core/lifecycle-events.js";
import { type EventFilter, lifecycleCloudEvent, matches } from "../../../observability/workflow-events.js";
import type { LifecycleEventLog } from "../../../store/store.js";
import { HttpError } from "../errors.js";

export interface EventStreamOptions {
  log: LifecycleEventLog;
  /** Calls back when this node changed an instance (new events may be readable); returns the unsubscribe. */
  onChange: (listener: () => void) => () => void;
  /** How often to look for events written by other nodes (default 1 s). */
  pollMs?: number;
  heartbeatMs?: number;
  source?: string;
}

type Query = { workflow?: string | string[]; type?: string | string[]; after?: string; from?: string };

const PAGE = 200;

export function eventStreamRoutes(options: EventStreamOptions): FastifyPluginAsync {
  const { log } = options;
  return async (app) => {
    const closing = new AbortController();
    app.addHook("preClose", async () => closing.abort());
    app.get<{ Querystring: Query }>("/weft/v1/events", async (request, reply) => {
      const filter = readFilter(request.query);
      const lastEventId = request.headers["last-event-id"];
      let position: string | undefined =
        (typeof lastEventId === "string" && lastEventId) || request.query.after || undefined;
      if (position === undefined && request.query.from !== "oldest") position = await log.tail();
      // The first read happens before the stream opens, so a malformed id still gets a 400.
      let page = await log.read(position, PAGE);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      out.write(": weft lifecycle events\n\n");
      const stop = new AbortController();
      const end = () => stop.abort();
      request.raw.on("close", end);
      closing.signal.addEventListener("abort", end, { once: true });
      let wake: (() => void) | undefined;
      const unsubscribe = options.onChange(() => wake?.());
      const heartbeat = setInterval(() => out.write(": keep-alive\n\n"), options.heartbeatMs ?? 15_000);
      try {
        while (!stop.signal.aborted) {
          for (const stored of page) {
            if (!matches(filter, stored)) continue;
            const record = lifecycleCloudEvent(stored, options.source ?? "weft");
            out.write(`id: ${stored.id}\ndata: ${JSON.stringify(record)}\n\n`);
          }
          if (page.length > 0) position = page.at(-1)!.id;
          if (page.length < PAGE) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(done, options.pollMs ?? 1_000);
              stop.signal.addEventListener("abort", done, { once: true });
              wake = done;
              function done() {
                clearTimeout(timer);
                stop.signal.removeEventListener("abort", done);
                resolve();
              }
            });
          }
          if (stop.signal.aborted) break;
          page = await log.read(position, PAGE);
        }
      } catch (error) {
        request.log.warn({ err: error }, "the lifecycle event stream failed");
      } finally {
        clearInterval(heartbeat);
        unsubscribe();
        request.raw.off("close", end);
        closing.signal.removeEventListener("abort", end);
        out.end();
      }
    });
  };
}

function list(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(",")).map((v) => v.trim());
  return items.filter((v) => v.length > 0);
}

function readFilter(query: Query): EventFilter {
  const workflows = list(query.workflow);
  const types = list(query.type);
  for (const type of types ?? []) {
    if (!(LIFECYCLE_EVENT_TYPES as readonly string[]).includes(type)) {
      throw new HttpError(
        400,
        "ERR_MALFORMED_REQUEST",
        `unknown event type '${type.slice(0, 40)}'; use ${LIFECYCLE_EVENT_TYPES.join(", ")}`,
      );
    }
  }
  return {
    workflows: workflows?.length ? new Set(workflows) : undefined,
    types: types?.length ? new Set(types as LifecycleEventType[]) : undefined,
  };
}
