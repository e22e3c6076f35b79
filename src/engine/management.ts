/**
 * What the ways in (the HTTP API, the gRPC sidecar, triggers) may do to the built-in engine's instances: start,
 * raise, suspend, resume, terminate, purge, rerun, inspect, wait. WorkflowService (service.ts) implements it; the
 * edges name this interface, never that class, so none of them can reach the store or the service's lifecycle.
 */
import type { HistoryEvent, RuntimeStatus } from "../core/history.js";
import type { InstanceState } from "../core/instance.js";
import type { InstanceFilter, OverviewQuery, StoreOverview } from "../store/store.js";

export interface StartOptions {
  name: string;
  /** JSON text. */
  input?: string;
  instanceId?: string;
  startAt?: number;
  metadata?: Record<string, string>;
  /** `never`: refuse the id even if a finished instance holds it (see StartRequest.idReuse). */
  idReuse?: "terminal" | "never";
}

export interface RaiseOptions {
  /** An event raised again with the same key is dropped (for at-least-once senders such as brokers). */
  dedupKey?: string;
  /** The caller's W3C trace context: with tracing on, the raise gets a span in the caller's trace. */
  traceparent?: string;
}

export interface InstanceManagement {
  /** Returns the instance id. `already_exists` when an active instance holds it. */
  start(options: StartOptions): Promise<string>;
  get(instanceId: string): Promise<InstanceState | undefined>;
  /** As `get`, but `not_found` when there is no such instance. */
  require(instanceId: string): Promise<InstanceState>;
  history(instanceId: string): Promise<HistoryEvent[] | undefined>;
  list(filter: InstanceFilter): Promise<InstanceState[]>;
  overview(query: OverviewQuery): Promise<StoreOverview>;
  raiseEvent(instanceId: string, name: string, input?: string, options?: RaiseOptions): Promise<void>;
  /** Terminates the instance and, unless told otherwise, its children; `output` becomes its output. */
  terminate(instanceId: string, output?: string, recursive?: boolean): Promise<void>;
  suspend(instanceId: string, reason?: string): Promise<void>;
  /** A no-op for an instance that is not suspended. */
  resume(instanceId: string, reason?: string): Promise<void>;
  /** Returns how many instances were deleted (children included). */
  purge(instanceId: string, recursive?: boolean): Promise<number>;
  /**
   * Starts a new instance from a finished top-level one's history, rerunning it from step `eventId`; `input`
   * replaces that step's input. Returns the new instance's id.
   */
  rerun(
    sourceInstanceId: string,
    eventId: number,
    options?: { newInstanceId?: string; input?: { value: string | undefined } },
  ): Promise<string>;
  /** Resolves once the instance has left PENDING. */
  waitForStart(instanceId: string, timeoutMs?: number, signal?: AbortSignal): Promise<InstanceState>;
  /** Resolves once the instance is COMPLETED, FAILED or TERMINATED. */
  waitForCompletion(instanceId: string, timeoutMs?: number, signal?: AbortSignal): Promise<InstanceState>;
  /** Resolves once the instance's status is one of `statuses` (or terminal). */
  waitForStatus(
    instanceId: string,
    statuses: RuntimeStatus[],
    timeoutMs?: number,
    signal?: AbortSignal,
  ): Promise<InstanceState>;
}
