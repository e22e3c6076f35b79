/**
 * The client RPCs (start, inspect, wait, raise, terminate, suspend, resume, purge, list, history), all served by
 * the engine's management service (InstanceManagement). Waits that Dapr performs inside an RPC are performed here
 * too, and end when the caller goes away.
 */
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import { isWeftError, WeftError } from "../../core/errors.js";
import { quote } from "../../core/input-rules.js";
import type { Logger } from "../../core/logger.js";
import { traceparentOf, withTraceparent } from "../../engine/lifecycle.js";
import type { InstanceManagement } from "../../engine/management.js";
import type { ListPosition } from "../../store/store.js";
import { decodePageToken, nextPageToken } from "../page-token.js";
import { instanceIdOf, payloadOf } from "./request-rules.js";
import { toWireEvent } from "./translate-events.js";
import { purgeFilterOf, startTimeOf, toWireInstanceResponse } from "./translate-state.js";
import { unary } from "./unary.js";
import type {
  WireCreateInstanceRequest,
  WireGetInstanceRequest,
  WireListRequest,
  WireListResponse,
  WirePurgeRequest,
  WireRaiseEventRequest,
  WireRerunRequest,
  WireSuspendRequest,
  WireTerminateRequest,
} from "./wire.js";

const MAX_PAGE = 10_000;

export function clientHandlers(
  service: () => InstanceManagement,
  logger: Logger,
): UntypedServiceImplementation {
  return {
    StartInstance: unary(logger, async (request: WireCreateInstanceRequest, { signal, traceparent }) => {
      const startAt = startTimeOf(request.scheduledStartTimestamp);
      const instanceId = await service().start({
        name: request.name ?? "",
        input: payloadOf(request.input, "input"),
        instanceId: request.instanceId || undefined,
        startAt,
        // The call's `traceparent` metadata wins over the request's field (Dapr's current schema): it is the
        // transport's, the innermost span around this call, and the one every other Weft call honours.
        metadata: withTraceparent(
          undefined,
          traceparentOf(traceparent) ?? request.parentTraceContext?.traceParent,
        ),
      });
      // As Dapr does: without a start time the call returns once a worker has started the instance.
      if (startAt === undefined) await service().waitForStart(instanceId, undefined, signal);
      return { instanceId };
    }),

    GetInstance: unary(logger, async (request: WireGetInstanceRequest) => {
      const state = await service().get(requireId(request.instanceId));
      return toWireInstanceResponse(state, request.getInputsAndOutputs === true);
    }),

    WaitForInstanceStart: unary(logger, (request: WireGetInstanceRequest, { signal }) =>
      waitFor(request, (id) => service().waitForStart(id, undefined, signal)),
    ),

    WaitForInstanceCompletion: unary(logger, (request: WireGetInstanceRequest, { signal }) =>
      waitFor(request, (id) => service().waitForCompletion(id, undefined, signal)),
    ),

    RaiseEvent: unary(logger, async (request: WireRaiseEventRequest, { traceparent }) => {
      const id = requireId(request.instanceId);
      await service().raiseEvent(id, request.name ?? "", payloadOf(request.input, "input"), { traceparent });
      return {};
    }),

    TerminateInstance: unary(logger, async (request: WireTerminateRequest, { signal }) => {
      const id = requireId(request.instanceId);
      await service().terminate(id, payloadOf(request.output, "output"), request.recursive === true);
      await service().waitForCompletion(id, undefined, signal);
      return {};
    }),

    SuspendInstance: unary(logger, async (request: WireSuspendRequest, { signal }) => {
      const id = requireId(request.instanceId);
      await service().suspend(id, payloadOf(request.reason, "reason"));
      await service().waitForStatus(id, ["SUSPENDED"], undefined, signal);
      return {};
    }),

    ResumeInstance: unary(logger, async (request: WireSuspendRequest, { signal }) => {
      const id = requireId(request.instanceId);
      await service().resume(id, payloadOf(request.reason, "reason"));
      await service().waitForStatus(id, ["RUNNING"], undefined, signal);
      return {};
    }),

    PurgeInstances: unary(logger, async (request: WirePurgeRequest) => {
      const recursive = request.recursive === true;
      if (request.purgeInstanceFilter) {
        return { deletedInstanceCount: await purgeMatching(service(), request, recursive) };
      }
      return { deletedInstanceCount: await service().purge(requireId(request.instanceId), recursive) };
    }),

    ListInstanceIDs: unary(logger, async (request: WireListRequest): Promise<WireListResponse> => {
      const limit = Math.min(request.pageSize || MAX_PAGE, MAX_PAGE);
      const after = request.continuationToken ? decodePageToken(request.continuationToken) : undefined;
      const page = await service().list({ after, limit });
      const instanceIds = page.map((state) => state.instanceId);
      const continuationToken = nextPageToken(page, limit);
      return continuationToken ? { instanceIds, continuationToken } : { instanceIds };
    }),

    GetInstanceHistory: unary(logger, async (request: { instanceId?: string }) => {
      const id = requireId(request.instanceId);
      const history = await service().history(id);
      if (!history) throw new WeftError("not_found", `no workflow instance with id ${quote(id)}`);
      return { events: history.map(toWireEvent) };
    }),

    RerunWorkflowFromEvent: unary(logger, async (request: WireRerunRequest) => {
      const newInstanceID = await service().rerun(requireId(request.sourceInstanceID), request.eventID ?? 0, {
        newInstanceId: request.newInstanceID || undefined,
        input: request.overwriteInput ? { value: payloadOf(request.input, "input") } : undefined,
      });
      return { newInstanceID };
    }),
  };
}

/** The rule every id that addresses an instance passes (core/input-rules.ts). */
const requireId = instanceIdOf;

/** An unknown instance is `exists: false`, which the SDKs turn into `undefined`, as for GetInstance. */
async function waitFor(
  request: WireGetInstanceRequest,
  wait: (instanceId: string) => ReturnType<InstanceManagement["waitForStart"]>,
) {
  try {
    return toWireInstanceResponse(
      await wait(requireId(request.instanceId)),
      request.getInputsAndOutputs === true,
    );
  } catch (error) {
    if (isWeftError(error, "not_found")) return toWireInstanceResponse(undefined, false);
    throw error;
  }
}

/** Dapr rejects the filter form; Weft purges every finished instance that matches, page by page. */
async function purgeMatching(service: InstanceManagement, request: WirePurgeRequest, recursive: boolean) {
  const filter = purgeFilterOf(request.purgeInstanceFilter!);
  let deleted = 0;
  let after: ListPosition | undefined;
  for (;;) {
    const page = await service.list({ ...filter, after, limit: 1000 });
    for (const state of page) {
      try {
        deleted += await service.purge(state.instanceId, recursive);
      } catch (error) {
        // Purged with its parent already, or restarted since the listing.
        if (!isWeftError(error, "not_found") && !isWeftError(error, "failed_precondition")) throw error;
      }
    }
    if (page.length < 1000) return deleted;
    after = page.at(-1)!;
  }
}
