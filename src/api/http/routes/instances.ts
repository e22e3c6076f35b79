/**
 * Reading and steering one instance. The segment before the instance id is a workflow component (Dapr) or a
 * workflow type (the older forms); `checkScope` accepts either and rejects anything else.
 * Dapr's routes answer 202 with `{}`; `DELETE` (seeds' purge) answers 200.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { encodePayload } from "../../../core/payload.js";
import { traceparentOf } from "../../../engine/lifecycle.js";
import type { WorkflowComponent } from "../../../engine/workflow-component.js";
import { checkScope, component, type RouteContext } from "../context.js";
import { HttpError } from "../errors.js";
import { toAlpha1Info, toDaprWorkflow } from "../present.js";
import { bodyText, checkInstanceId, jsonObjectBody } from "../request.js";

type InstanceParams = { scope: string; instanceId: string };

export function instanceRoutes(app: FastifyInstance, ctx: RouteContext): void {
  /** Validates the id and the scope segment; returns the id and the component that acts on it. */
  const target = async (params: InstanceParams): Promise<[string, WorkflowComponent]> => {
    checkInstanceId(params.instanceId);
    return [params.instanceId, await checkScope(ctx, params.scope, params.instanceId)];
  };
  const accepted = (reply: FastifyReply) => reply.code(202).send({});

  app.get<{ Params: InstanceParams }>(
    "/workflows/:scope/:instanceId",
    { config: { operation: "get" } },
    async (request) => {
      const [id, workflows] = await target(request.params);
      return toDaprWorkflow(await workflows.get(id));
    },
  );

  app.get<{ Params: { component: string; workflowName: string; instanceId: string } }>(
    "/workflows/:component/:workflowName/:instanceId",
    { config: { operation: "get" } },
    async (request) => {
      const workflows = component(ctx, request.params.component);
      return toAlpha1Info(await workflows.get(checkInstanceId(request.params.instanceId)));
    },
  );

  app.post<{ Params: InstanceParams & { eventName: string } }>(
    "/workflows/:scope/:instanceId/raiseEvent/:eventName",
    { config: { operation: "raise" } },
    async (request, reply) => {
      const [id, workflows] = await target(request.params);
      await workflows.raiseEvent(
        id,
        request.params.eventName,
        bodyText(request.body),
        traceparentOf(request.headers.traceparent),
      );
      return accepted(reply);
    },
  );

  // Seeds 001/003 name no event in the path; the body carries it, with Go SDK's field names.
  app.post<{ Params: InstanceParams }>(
    "/workflows/:scope/:instanceId/raiseEvent",
    { config: { operation: "raise" } },
    async (request, reply) => {
      const [id, workflows] = await target(request.params);
      const body = jsonObjectBody(request.body, '{"eventName": "<name>", "eventData": <any JSON value>}');
      if (typeof body.eventName !== "string" || body.eventName === "") {
        throw new HttpError(
          400,
          "ERR_WORKFLOW_EVENT_NAME_MISSING",
          'the body must name the event: {"eventName": "<name>", "eventData": <any JSON value>}',
        );
      }
      await workflows.raiseEvent(
        id,
        body.eventName,
        encodePayload(body.eventData),
        traceparentOf(request.headers.traceparent),
      );
      return accepted(reply);
    },
  );

  for (const verb of ["pause", "suspend"]) {
    app.post<{ Params: InstanceParams }>(
      `/workflows/:scope/:instanceId/${verb}`,
      { config: { operation: "pause" } },
      async (request, reply) => {
        const [id, workflows] = await target(request.params);
        await workflows.suspend(id);
        return accepted(reply);
      },
    );
  }

  app.post<{ Params: InstanceParams }>(
    "/workflows/:scope/:instanceId/resume",
    { config: { operation: "resume" } },
    async (request, reply) => {
      const [id, workflows] = await target(request.params);
      await workflows.resume(id);
      return accepted(reply);
    },
  );

  // Always recursive, as Dapr's HTTP API is; the body, if any, becomes the instance's output.
  app.post<{ Params: InstanceParams }>(
    "/workflows/:scope/:instanceId/terminate",
    { config: { operation: "terminate" } },
    async (request, reply) => {
      const [id, workflows] = await target(request.params);
      await workflows.terminate(id, bodyText(request.body));
      return accepted(reply);
    },
  );

  app.post<{ Params: InstanceParams }>(
    "/workflows/:scope/:instanceId/purge",
    { config: { operation: "purge" } },
    async (request, reply) => {
      const [id, workflows] = await target(request.params);
      await workflows.purge(id);
      return accepted(reply);
    },
  );

  app.delete<{ Params: InstanceParams }>(
    "/workflows/:scope/:instanceId",
    { config: { operation: "purge" } },
    async (request, reply) => {
      const [id, workflows] = await target(request.params);
      await workflows.purge(id);
      return reply.code(200).send({});
    },
  );
}
