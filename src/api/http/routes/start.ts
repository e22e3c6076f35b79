/**
 * Starting instances, in every documented form:
 * - Dapr 1.11+: `POST workflows/{component}/{workflowName}/start[?instanceID=]`, raw body = input.
 * - Seeds 000/001/003: `POST workflows/{workflowType}/{instanceId}/start`, raw body = input. Same path shape as
 *   Dapr's: when the first segment names a component it is Dapr's form, otherwise the workflow-type form.
 * - v1.0-alpha1 (seed 002): `POST workflows/{component}/{workflowName}/{instanceId}/start`, body `{"input": …}`,
 *   answer `{"WFInfo": {"instance_id": …}}`.
 * Every form answers 202 with a `Location` header to the instance's status URL.
 */
import type { FastifyInstance } from "fastify";
import { encodePayload } from "../../../core/payload.js";
import { withTraceparent } from "../../../engine/lifecycle.js";
import type { WorkflowComponent } from "../../../engine/workflow-component.js";
import { canRun, component, componentNotFound, notRegistered, type RouteContext } from "../context.js";
import {
  bodyText,
  checkName,
  checkNewInstanceId,
  jsonObjectBody,
  parseWorkflowMetadata,
  queryValue,
} from "../request.js";
import { statusUrl } from "./weft.js";

type StartParams = { first: string; second: string };
type Alpha1Params = { component: string; workflowName: string; instanceId: string };

export function startRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Params: StartParams }>(
    "/workflows/:first/:second/start",
    { config: { operation: "start" } },
    async (request, reply) => {
      const { first, second } = request.params;
      let name: string;
      let instanceId: string | undefined;
      let workflows = ctx.components.get(first);
      if (workflows) {
        name = checkName("workflow", second);
        instanceId = queryValue(request.query, "instanceID") || undefined;
        if (!workflows.canStart(name)) throw notRegistered(name);
      } else {
        if (!canRun(ctx, first)) throw componentNotFound(ctx, first);
        workflows = ctx.builtIn;
        name = first;
        instanceId = second;
      }
      if (instanceId !== undefined) checkNewInstanceId(instanceId);
      const metadata = withTraceparent(
        parseWorkflowMetadata(request.raw.rawHeaders),
        request.headers.traceparent,
      );
      const id = await workflows.start({ name, input: bodyText(request.body), instanceId, metadata });
      return reply
        .code(202)
        .header("location", location(ctx, workflows, first, id))
        .send({ instanceID: id });
    },
  );

  app.post<{ Params: Alpha1Params }>(
    "/workflows/:component/:workflowName/:instanceId/start",
    { config: { operation: "start" } },
    async (request, reply) => {
      const { workflowName, instanceId } = request.params;
      const workflows = component(ctx, request.params.component);
      if (!workflows.canStart(checkName("workflow", workflowName))) throw notRegistered(workflowName);
      checkNewInstanceId(instanceId);
      const body = jsonObjectBody(request.body, '{"input": <any JSON value>}');
      const metadata = withTraceparent(
        parseWorkflowMetadata(request.raw.rawHeaders),
        request.headers.traceparent,
      );
      const id = await workflows.start({
        name: workflowName,
        input: encodePayload(body.input),
        instanceId,
        metadata,
      });
      return reply
        .code(202)
        .header("location", location(ctx, workflows, request.params.component, id))
        .send({ WFInfo: { instance_id: id } });
    },
  );
}

/** Weft's long-poll status URL for the built-in engine; Dapr's GET route for any other component. */
function location(
  ctx: RouteContext,
  workflows: WorkflowComponent,
  componentName: string,
  id: string,
): string {
  if (workflows === ctx.builtIn) return statusUrl(id);
  return `/v1.0/workflows/${encodeURIComponent(componentName)}/${encodeURIComponent(id)}`;
}
