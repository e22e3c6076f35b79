/**
 * Loads the protocol from proto/task-hub-sidecar.proto at run time (no generated code). The options fix the shape
 * of the plain objects the handlers see, which wire.ts describes.
 */
import { fileURLToPath } from "node:url";
import { loadPackageDefinition, type ServiceClientConstructor, type ServiceDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/** From src/api/grpc and from dist/api/grpc alike, the proto folder is three levels up. */
export const PROTO_PATH = fileURLToPath(new URL("../../../proto/task-hub-sidecar.proto", import.meta.url));

let client: ServiceClientConstructor | undefined;

/** The generic gRPC client class of the service (the server uses its definition; tests call RPCs with it). */
export function taskHubClientClass(): ServiceClientConstructor {
  if (!client) {
    const definition = loadSync(PROTO_PATH, {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: false,
      arrays: true,
      oneofs: true,
    });
    client = loadPackageDefinition(definition).TaskHubSidecarService as ServiceClientConstructor;
  }
  return client;
}

export function taskHubService(): ServiceDefinition {
  return taskHubClientClass().service;
}
