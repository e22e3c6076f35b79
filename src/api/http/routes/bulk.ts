/**
 * Weft's bulk and rerun routes (docs/operations.md):
 * - `POST /weft/v1/instances/{terminate|suspend|resume|purge}?<listing filters>[&dryRun=true]`: the operation on
 *   every instance the filters match (the filters of `GET /weft/v1/instances`). An empty filter must be said
 *   explicitly with `all=true`, so a typo never terminates everything. Answers
 *   `{"operation", "dryRun", "matched", "affected"}`; repeating it after a failure finishes the job. The body, if
 *   any, is the terminate output or the suspend/resume reason.
 * - `POST /weft/v1/instances/{id}/rerun` with `{"fromEvent": N, "newInstanceID"?: "...", "input"?: <JSON>}`:
 *   Dapr's RerunWorkflowFromEvent over HTTP; 202 with the new instance's id and status URL.
 */
import type { FastifyInstance } from "fastify";
import { BULK_OPERATIONS, runBulk } from "../../../engine/bulk.js";
import { type RouteContext, service } from "../context.js";
import { malformed } from "../errors.js";
import { instanceFilter } from "../list-query.js";
import { bodyText, checkInstanceId, jsonObjectBody, queryValue } from "../request.js";
import { statusUrl, WEFT_PREFIX } from "./weft.js";

export function bulkRoutes(app: FastifyInstance, ctx: RouteContext): void {
  for (const operation of BULK_OPERATIONS) {
    app.post(`${WEFT_PREFIX}/instances/${operation}`, { config: { operation: "bulk" } }, async (request) => {
      const filter = instanceFilter(request.query);
      const all = flag(queryValue(request.query, "all"), "all");
      if (Object.keys(filter).length === 0 && !all) {
        throw malformed(
          `${operation} by filter needs at least one filter, or all=true to act on every instance`,
        );
      }
      const dryRun = flag(queryValue(request.query, "dryRun"), "dryRun");
      return runBulk(service(ctx), operation, filter, { dryRun, reason: bodyText(request.body) });
    });
  }

  app.post<{ Params: { instanceId: string } }>(
    `${WEFT_PREFIX}/instances/:instanceId/rerun`,
    { config: { operation: "rerun" } },
    async (request, reply) => {
      const id = checkInstanceId(request.params.instanceId);
      const body = jsonObjectBody(
        request.body,
        '{"fromEvent": <event id>, "newInstanceID"?: "<id>", "input"?: <JSON>}',
      );
      const fromEvent = body.fromEvent ?? 0;
      if (!Number.isInteger(fromEvent) || (fromEvent as number) < 0) {
        throw malformed(
          `'fromEvent' must be an event id (a whole number from 0), got ${JSON.stringify(fromEvent)}`,
        );
      }
      const newId = body.newInstanceID;
      if (newId !== undefined && typeof newId !== "string")
        throw malformed("'newInstanceID' must be a string");
      if (newId) checkInstanceId(newId);
      const newInstanceId = await service(ctx).rerun(id, fromEvent as number, {
        newInstanceId: newId || undefined,
        input: "input" in body ? { value: JSON.stringify(body.input) } : undefined,
      });
      return reply.code(202).header("location", statusUrl(newInstanceId)).send({ instanceID: newInstanceId });
    },
  );
}

function flag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  throw malformed(`'${name}' must be true or false, got '${value}'`);
}
