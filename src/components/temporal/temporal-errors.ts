/**
 * Temporal's gRPC errors as Weft's typed errors. An outage (unreachable server, unknown namespace, refused
 * credentials) is logged once when it begins and once when it ends, not once per request: a busy API in front
 * of a down cluster would otherwise bury everything else in the log.
 */
import { status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { isGrpcServiceError } from "@temporalio/client";
import proto from "@temporalio/proto";
import { isWeftError, type WeftError, type WeftErrorCode } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { ComponentError } from "../../engine/workflow-component.js";
import type { TemporalConfig } from "./temporal-config.js";

type Outage = "unreachable" | "namespace" | "credentials";

/** What the failed call was about, for messages. */
export interface CallSubject {
  /** The WorkflowService method, e.g. `PauseWorkflowExecution`. */
  method: string;
  instanceId?: string;
}

export class TemporalErrors {
  readonly #config: TemporalConfig;
  readonly #logger: Logger;
  #outage: Outage | undefined;

  constructor(config: TemporalConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
  }

  /** Called after every call Temporal answered: ends an outage, if one was reported. */
  answered(): void {
    if (this.#outage === undefined) return;
    this.#logger.info(this.#where(), `Temporal answers again (the ${this.#outage} outage is over)`);
    this.#outage = undefined;
  }

  translate(error: unknown, subject: CallSubject): WeftError {
    if (isWeftError(error)) return error;
    if (!isGrpcServiceError(error)) {
      return this.#fail(
        "upstream_failed",
        `calling Temporal failed: ${(error as Error)?.message ?? error}`,
        error,
      );
    }
    const { address, namespace } = this.#config;
    const details = error.details || error.message;
    switch (error.code) {
      case grpcStatus.UNAVAILABLE:
        return this.#outageError(
          "unreachable",
          "unavailable",
          `Temporal at ${address} is unreachable: ${details}`,
          error,
        );
      // gRPC's own text here describes the last retry, not the wait: say what the caller waited for.
      case grpcStatus.DEADLINE_EXCEEDED:
        return this.#outageError(
          "unreachable",
          "unavailable",
          `Temporal at ${address} is unreachable or did not answer within ${this.#config.requestTimeoutMs} ms (requestTimeout)`,
          error,
        );
      case grpcStatus.UNAUTHENTICATED:
      case grpcStatus.PERMISSION_DENIED:
        return this.#outageError(
          "credentials",
          "upstream_failed",
          `Temporal at ${address} refused Weft's credentials (${details}); check the component's apiKey and TLS settings`,
          error,
        );
      case grpcStatus.NOT_FOUND:
        if (namespaceNotFound(error)) {
          return this.#outageError(
            "namespace",
            "upstream_failed",
            `Temporal at ${address} has no namespace '${namespace}' (${details}); fix the component's namespace`,
            error,
          );
        }
        this.answered();
        return this.#plain(
          "not_found",
          `no workflow instance with id '${subject.instanceId}' in Temporal namespace '${namespace}'`,
          error,
        );
      case grpcStatus.ALREADY_EXISTS:
        this.answered();
        return this.#plain(
          "already_exists",
          `an active workflow with ID '${subject.instanceId}' already exists`,
          error,
        );
      case grpcStatus.INVALID_ARGUMENT:
        this.answered();
        return this.#plain("invalid_argument", `Temporal refused the request: ${details}`, error);
      case grpcStatus.FAILED_PRECONDITION:
        this.answered();
        return this.#plain("failed_precondition", `Temporal refused the request: ${details}`, error);
      case grpcStatus.UNIMPLEMENTED:
        this.answered();
        return this.#plain(
          "unimplemented",
          `the Temporal server at ${address} does not implement ${subject.method} (${details}); it needs a newer Temporal server`,
          error,
        );
      case grpcStatus.RESOURCE_EXHAUSTED:
        return this.#plain("unavailable", `Temporal is rate-limiting requests: ${details}`, error);
      default:
        return this.#fail("upstream_failed", `Temporal failed the ${subject.method} call: ${details}`, error);
    }
  }

  #outageError(outage: Outage, code: WeftErrorCode, message: string, cause: ServiceError): ComponentError {
    const full = `workflow component '${this.#config.component}': ${message}`;
    if (this.#outage !== outage) {
      this.#outage = outage;
      this.#logger.error(
        { ...this.#where(), grpcCode: cause.code },
        `${full} (logged once until Temporal answers again)`,
      );
    }
    return new ComponentError(code, full, { logged: true, cause });
  }

  /** An unexpected answer: not an outage, so the edge logs it as it logs any other server-side failure. */
  #fail(code: WeftErrorCode, message: string, cause: unknown): ComponentError {
    return new ComponentError(code, `workflow component '${this.#config.component}': ${message}`, {
      logged: false,
      cause,
    });
  }

  #plain(code: WeftErrorCode, message: string, cause: ServiceError): ComponentError {
    return new ComponentError(code, message, { logged: false, cause });
  }

  /** The logger names the component already (see openWorkflowComponents). */
  #where() {
    return { address: this.#config.address, namespace: this.#config.namespace };
  }
}

const NAMESPACE_NOT_FOUND = "temporal.api.errordetails.v1.NamespaceNotFoundFailure";

/** Temporal answers NOT_FOUND for a missing namespace too; its status details tell the two apart. */
function namespaceNotFound(error: ServiceError): boolean {
  const raw = error.metadata?.get("grpc-status-details-bin")?.[0];
  if (raw instanceof Buffer) {
    try {
      const status = proto.google.rpc.Status.decode(raw);
      if (status.details.some((d) => d.type_url?.endsWith(NAMESPACE_NOT_FOUND))) return true;
    } catch {
      // Unreadable details: fall back to the message.
    }
  }
  return /namespace\b.*\bnot found/i.test(error.details ?? "");
}
