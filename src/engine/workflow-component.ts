/**
 * A workflow component: what Dapr's workflow API can do to instances, whichever engine runs them. The built-in
 * engine is one implementation (`EngineWorkflowComponent`, below); an external engine (Temporal, in
 * src/components/temporal/) is another. The HTTP routes pick one by the component name in the path and call
 * only this interface.
 *
 * No `list`: Dapr's API has no list route that names a component, and Weft's own list route (like its history,
 * rerun and long-poll routes) reads the built-in engine's store, which a Temporal cluster does not share.
 */
import { WeftError, type WeftErrorCode } from "../core/errors.js";
import type { RuntimeStatus } from "../core/history.js";
import type { InstanceState } from "../core/instance.js";
import type { InstanceManagement } from "./management.js";

/** Dapr's runtime statuses: Weft's own plus the two an external engine may report. */
export type ComponentStatus = RuntimeStatus | "CANCELED" | "CONTINUED_AS_NEW";

/** One instance as a component reports it: Weft's instance state, with Dapr's wider status set. */
export type WorkflowSnapshot = Omit<InstanceState, "status"> & { status: ComponentStatus };

export interface ComponentStartOptions {
  /** The workflow type. */
  name: string;
  /** The request body as text (usually JSON); undefined: no input. */
  input?: string;
  /** Undefined: the component draws a random id. */
  instanceId?: string;
  /** The `dapr-workflow-metadata` header's pairs. */
  metadata?: Record<string, string>;
}

export interface WorkflowComponent {
  /** Whether `workflowName` may be started here (the built-in engine needs a worker that knows it). */
  canStart(workflowName: string): boolean;
  /** Returns the instance id. `already_exists` when an active instance holds the id. */
  start(options: ComponentStartOptions): Promise<string>;
  /** `not_found` when there is no such instance. */
  get(instanceId: string): Promise<WorkflowSnapshot>;
  /**
   * An event for a finished instance is dropped, as in Dapr. `traceparent`: the caller's W3C trace context, which
   * the built-in engine's tracing continues (a span for the raise).
   */
  raiseEvent(instanceId: string, eventName: string, input?: string, traceparent?: string): Promise<void>;
  suspend(instanceId: string): Promise<void>;
  /** A no-op for an instance that is not suspended. */
  resume(instanceId: string): Promise<void>;
  /** `output` (the request body) becomes the instance's output; a no-op on a finished instance. */
  terminate(instanceId: string, output?: string): Promise<void>;
  /** Deletes a finished instance; `failed_precondition` while it runs, `not_found` when there is none. */
  purge(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * An error about the engine behind a component (unreachable, misconfigured, refusing Weft's credentials) that
 * the component has already logged, once per outage; the HTTP edge answers it without logging it again.
 */
export class ComponentError extends WeftError {
  readonly logged: boolean;

  constructor(code: WeftErrorCode, message: string, options: { logged: boolean; cause?: unknown }) {
    super(code, message, { cause: options.cause });
    this.name = "ComponentError";
    this.logged = options.logged;
  }
}

/** The built-in engine as a workflow component. */
export class EngineWorkflowComponent implements WorkflowComponent {
  readonly #service: () => InstanceManagement;
  readonly #canRun: (workflowName: string) => boolean;

  constructor(service: () => InstanceManagement, canRun: (workflowName: string) => boolean) {
    this.#service = service;
    this.#canRun = canRun;
  }

  canStart(workflowName: string): boolean {
    return this.#canRun(workflowName);
  }

  start(options: ComponentStartOptions): Promise<string> {
    return this.#service().start(options);
  }

  get(instanceId: string): Promise<WorkflowSnapshot> {
    return this.#service().require(instanceId);
  }

  raiseEvent(instanceId: string, eventName: string, input?: string, traceparent?: string): Promise<void> {
    return this.#service().raiseEvent(instanceId, eventName, input, { traceparent });
  }

  suspend(instanceId: string): Promise<void> {
    return this.#service().suspend(instanceId);
  }

  resume(instanceId: string): Promise<void> {
    return this.#service().resume(instanceId);
  }

  terminate(instanceId: string, output?: string): Promise<void> {
    // Always recursive, as Dapr's HTTP API is.
    return this.#service().terminate(instanceId, output, true);
  }

  async purge(instanceId: string): Promise<void> {
    await this.#service().purge(instanceId, true);
  }

  /** The runtime belongs to whoever started it. */
  async close(): Promise<void> {}
}
