/**
 * grpc-js answers a request it cannot decode with INTERNAL, before any handler runs, and offers no hook to change
 * that status. It does let the service definition pick the deserializer, so Weft's never throws: bytes that are
 * not a valid message become an `UndecodableRequest`, and the handlers answer it with INVALID_ARGUMENT (a client
 * error, which it is).
 */
import { type ServiceDefinition, status } from "@grpc/grpc-js";
import type { GrpcStatus } from "./status.js";

export class UndecodableRequest {
  readonly reason: string;

  constructor(reason: string) {
    this.reason = reason;
  }
}

/** The service with deserializers that return an UndecodableRequest instead of throwing. */
export function tolerantService(service: ServiceDefinition): ServiceDefinition {
  const tolerant: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(service)) {
    const decode = method.requestDeserialize;
    tolerant[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (error) {
          return new UndecodableRequest(error instanceof Error ? error.message : String(error));
        }
      },
    };
  }
  return tolerant;
}

/** The status for an undecodable request, or undefined for a decoded one. */
export function undecodableStatus(request: unknown): GrpcStatus | undefined {
  if (!(request instanceof UndecodableRequest)) return undefined;
  return {
    code: status.INVALID_ARGUMENT,
    details: `the request is not a valid protobuf message of this method (${request.reason.slice(0, 100)})`,
  };
}
