/** Adapts an async function to a grpc-js unary handler: errors become statuses, a cancelled call aborts the work. */
import type { handleUnaryCall } from "@grpc/grpc-js";
import { isWeftError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { toGrpcStatus } from "./status.js";
import { undecodableStatus } from "./undecodable.js";

export interface CallContext {
  /** The client connection's address. */
  readonly peer: string;
  /** Aborted when the client cancels the call or goes away (long polls must not outlive their callers). */
  readonly signal: AbortSignal;
  /** The W3C trace context the client sent in the call's metadata, if any. */
  readonly traceparent?: string;
}

export function unary<Request, Response>(
  logger: Logger,
  handle: (request: Request, context: CallContext) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const undecodable = undecodableStatus(call.request);
    if (undecodable) return callback(undecodable);
    const abort = new AbortController();
    // grpc-js also reports "cancelled" once a finished call's stream closes; only a cancel before the answer counts.
    const cancelled = () => abort.abort();
    call.once("cancelled", cancelled);
    handle(call.request, {
      peer: call.getPeer(),
      signal: abort.signal,
      traceparent: call.metadata.get("traceparent")[0]?.toString(),
    }).then(
      (response) => {
        call.removeListener("cancelled", cancelled);
        callback(null, response);
      },
      (error: unknown) => {
        call.removeListener("cancelled", cancelled);
        if (abort.signal.aborted) return;
        if (!isWeftError(error)) logger.error({ err: error, method: call.getPath() }, "gRPC call failed");
        callback(toGrpcStatus(error));
      },
    );
  };
}

const NEVER_ABORTED = new AbortController().signal;

/**
 * For calls that answer at once (a worker handing back a result, many per workflow): no abort plumbing, whose
 * AbortController and listener per call showed in profiles of busy workers.
 */
export function quickUnary<Request, Response>(
  logger: Logger,
  handle: (request: Request, context: CallContext) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const undecodable = undecodableStatus(call.request);
    if (undecodable) return callback(undecodable);
    handle(call.request, { peer: call.getPeer(), signal: NEVER_ABORTED }).then(
      (response) => callback(null, response),
      (error: unknown) => {
        if (!isWeftError(error)) logger.error({ err: error, method: call.getPath() }, "gRPC call failed");
        callback(toGrpcStatus(error));
      },
    );
  };
}
