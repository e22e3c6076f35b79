/**
 * Weft's own routes, beside Dapr's: under `/weft/v1/`, a prefix no Dapr API uses, so they can never shadow a
 * Dapr route (or be shadowed by one).
 * - `GET /weft/v1/instances/{id}[?wait=<s>]`: the status URL that start's `Location` points to. 202 while the
 *   instance is pending, running or suspended; 200 once COMPLETED or TERMINATED; 500 once FAILED. With `wait` it
 *   long-polls: it answers as soon as the instance finishes, or after `wait` seconds (capped) with a 202.
 * - `GET /weft/v1/instances?status=&name=&createdFrom=&createdTo=&updatedFrom=&updatedTo=&metadata=k=v&idPrefix=
 *   &limit=&continuationToken=`: list, newest first (list-query.ts).
 * - `GET /weft/v1/instances/{id}/history`: the history of the current execution.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { isWeftError } from "../../../core/errors.js";
import { isTerminalStatus } from "../../../core/history.js";
import type { InstanceState } from "../../../core/instance.js";
import { nextPageToken } from "../../page-token.js";
import { type RouteContext, service } from "../context.js";
import { listFilter } from "../list-query.js";
import { toDaprWorkflow, toHistoryJson } from "../present.js";
import { checkInstanceId, queryValue, waitMs } from "../request.js";

export const WEFT_PREFIX = "/weft/v1";

export function statusUrl(instanceId: string): string {
  return `${WEFT_PREFIX}/instances/${encodeURIComponent(instanceId)}`;
}

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
    const filter = listFilter(request.query);
    const instances = await service(ctx).list(filter);
    const page: { instances: ReturnType<typeof toDaprWorkflow>[]; continuationToken?: string } = {
      instances: instances.map(toDaprWorkflow),
    };
    const token = nextPageToken(instances, filter.limit!);
    if (token) page.continuationToken = token;
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
