/**
 * Weft's own routes, beside Dapr's: under `/weft/v1/`, a prefix no Dapr API uses, so they can never shadow a
 * Dapr route (or be shadowed by one).
 * - `GET /weft/v1/instances/{id}[?wait=<s>]`: the status URL that start's `Location` points to. 202 while the
 *   instance is pending, running or suspended; 200 once COMPLETED or TERMINATED; 500 once FAILED. With `wait` it
 *   long-polls: it answers as soon as the instance finishes, or after `wait` seconds (capped) with a 202.
 * - `GET /weft/v1/instances?status=&name=&createdFrom=&createdTo=&after=&limit=`: list.
 * - `GET /weft/v1/instances/{id}/history`: the history of the current execution.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { isWeftError } from "../../../core/errors.js";
import { isTerminalStatus, type RuntimeStatus } from "../../../core/history.js";
import { checkTime, quote } from "../../../core/input-rules.js";
import type { InstanceState } from "../../../core/instance.js";
import { type RouteContext, service } from "../context.js";
import { malformed } from "../errors.js";
import { toDaprWorkflow, toHistoryJson } from "../present.js";
import { checkInstanceId, queryValue, waitMs } from "../request.js";

export const WEFT_PREFIX = "/weft/v1";

export function statusUrl(instanceId: string): string {
  return `${WEFT_PREFIX}/instances/${encodeURIComponent(instanceId)}`;
}

const STATUSES: readonly RuntimeStatus[] = [
  "PENDING",
  "RUNNING",
  "SUSPENDED",
  "COMPLETED",
  "FAILED",
  "TERMINATED",
];
const MAX_PAGE = 1000;

export function weftRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Params: { instanceId: string } }>(
    `${WEFT_PREFIX}/instances/:instanceId`,
    { config: { operation: "get" } },
    async (request, reply) => {
      const id = checkInstanceId(request.params.instanceId);
      const wait = waitMs(queryValue(request.query, "wait"), ctx.maxWaitSeconds);
      let state = await service(ctx).require(id);
      if (wait > 0 && !isTerminalStatus(state.status)) {
        state = await waitForEnd(ctx, id, wait, reply);
      }
      return statusAnswer(reply, state);
    },
  );

  app.get<{ Params: { instanceId: string } }>(
    `${WEFT_PREFIX}/instances/:instanceId/history`,
    { config: { operation: "history" } },
    async (request) => {
      const id = checkInstanceId(request.params.instanceId);
      const events = await service(ctx).history(id);
      if (!events) await service(ctx).require(id);
      return { instanceID: id, events: toHistoryJson(events ?? []) };
    },
  );

  app.get(`${WEFT_PREFIX}/instances`, { config: { operation: "list" } }, async (request) => {
    const query = (name: string) => queryValue(request.query, name) || undefined;
    const limitText = query("limit");
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw malformed(`'limit' must be an integer from 1 to ${MAX_PAGE}, got ${quote(String(limitText))}`);
    }
    const after = query("after");
    if (after) checkInstanceId(after);
    const status = query("status");
    const instances = await service(ctx).list({
      statuses: status ? parseStatuses(status) : undefined,
      name: query("name"),
      createdFrom: parseTime("createdFrom", query("createdFrom")),
      createdTo: parseTime("createdTo", query("createdTo")),
      after,
      limit,
    });
    const page: { instances: ReturnType<typeof toDaprWorkflow>[]; continuationToken?: string } = {
      instances: instances.map(toDaprWorkflow),
    };
    if (instances.length === limit) page.continuationToken = instances[instances.length - 1]!.instanceId;
    return page;
  });
}

/** Waits for the end of the run, the time limit, the client leaving or the server closing, whichever is first. */
async function waitForEnd(
  ctx: RouteContext,
  id: string,
  timeoutMs: number,
  reply: FastifyReply,
): Promise<InstanceState> {
  if (ctx.closing.aborted) return service(ctx).require(id);
  // One controller with plain listeners (not AbortSignal.any, whose derived signal is only weakly held).
  const stop = new AbortController();
  const onStop = () => stop.abort();
  reply.raw.once("close", onStop);
  ctx.closing.addEventListener("abort", onStop, { once: true });
  try {
    return await service(ctx).waitForCompletion(id, timeoutMs, stop.signal);
  } catch (error) {
    if (!isWeftError(error, "timeout")) throw error;
    return service(ctx).require(id);
  } finally {
    reply.raw.off("close", onStop);
    ctx.closing.removeEventListener("abort", onStop);
  }
}

function statusAnswer(reply: FastifyReply, state: InstanceState) {
  const body = toDaprWorkflow(state);
  switch (state.status) {
    case "COMPLETED":
    case "TERMINATED":
      return reply.code(200).send(body);
    case "FAILED":
      return reply.code(500).send({
        errorCode: "ERR_WORKFLOW_FAILED",
        message: `workflow instance '${state.instanceId}' failed: ${state.failure?.errorType ?? "Error"}: ${
          state.failure?.message ?? "no details"
        }`,
        ...body,
      });
    default:
      return reply
        .code(202)
        .header("location", statusUrl(state.instanceId))
        .header("retry-after", "1")
        .send(body);
  }
}

function parseStatuses(value: string): RuntimeStatus[] {
  return value.split(",").map((raw) => {
    const status = raw.trim().toUpperCase() as RuntimeStatus;
    if (!STATUSES.includes(status)) {
      throw malformed(
        `unknown status ${quote(raw)}; use one or more of ${STATUSES.join(", ")}, comma-separated`,
      );
    }
    return status;
  });
}

function parseTime(name: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw malformed(`'${name}' must be an RFC 3339 time, got ${quote(value)}`);
  return checkTime(ms, `'${name}'`);
}
