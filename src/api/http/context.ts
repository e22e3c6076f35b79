/**
 * What the workflow routes share, and the one rule that tells the API generations apart: whether the segment
 * after `workflows/` names a workflow component (Dapr 1.11+) or a workflow type (the older documented forms).
 */
import { quote } from "../../core/input-rules.js";
import type { InstanceManagement } from "../../engine/management.js";
import type { WorkflowComponent } from "../../engine/workflow-component.js";
import { HttpError } from "./errors.js";

/**
 * What the HTTP API needs of the runtime it serves (a started WorkflowRuntime has it), as the gRPC sidecar needs
 * only its SidecarRuntime: the management calls, and which workflow names run in this process.
 */
export interface HttpRuntime {
  readonly service: InstanceManagement;
  readonly registeredWorkflows: readonly string[];
}

export interface RouteContext {
  readonly runtime: HttpRuntime;
  /** Workflow components by name, `dapr` included; the workflow routes act only through these. */
  readonly components: ReadonlyMap<string, WorkflowComponent>;
  /** The built-in engine as a component: what the older route forms (a workflow type in the path) act on. */
  readonly builtIn: WorkflowComponent;
  /** True when a remote (gRPC) worker may run a workflow name this process has not registered. */
  readonly canRunRemotely: (workflowName: string) => boolean;
  readonly maxWaitSeconds: number;
  /** Aborted when the server closes, so long polls answer at once instead of holding shutdown up. */
  readonly closing: AbortSignal;
}

/** The built-in engine's service, for Weft's own routes (which name no component). */
export function service(ctx: RouteContext): InstanceManagement {
  return ctx.runtime.service;
}

/** The component a Dapr route's component segment names; a 400 for any other name. */
export function component(ctx: RouteContext, segment: string): WorkflowComponent {
  const found = ctx.components.get(segment);
  if (!found) throw componentNotFound(ctx, segment);
  return found;
}

/** A workflow name some worker can run: registered in this process, or accepted by a connected remote worker. */
export function canRun(ctx: RouteContext, name: string): boolean {
  return ctx.runtime.registeredWorkflows.includes(name) || ctx.canRunRemotely(name);
}

export function notRegistered(name: string): HttpError {
  return new HttpError(
    400,
    "ERR_WORKFLOW_NOT_REGISTERED",
    `no workflow named ${quote(name)} is registered, and no remote worker is connected that could run it`,
  );
}

export function componentNotFound(ctx: RouteContext, segment: string): HttpError {
  return new HttpError(
    400,
    "ERR_WORKFLOW_COMPONENT_NOT_FOUND",
    `${quote(segment)} is neither a workflow component (${[...ctx.components.keys()].join(", ")}) nor a known workflow type`,
  );
}

/**
 * Resolves the segment before an instance id: a component, or (older forms) a workflow type this server can run
 * or the addressed instance's own workflow name, which mean the built-in engine. Anything else is a 400 rather
 * than a silent guess.
 */
export async function checkScope(
  ctx: RouteContext,
  segment: string,
  instanceId: string,
): Promise<WorkflowComponent> {
  const named = ctx.components.get(segment);
  if (named) return named;
  if (canRun(ctx, segment)) return ctx.builtIn;
  const state = await service(ctx).get(instanceId);
  if (state?.name === segment) return ctx.builtIn;
  throw componentNotFound(ctx, segment);
}
