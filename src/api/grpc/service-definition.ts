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

/** The protocol's serializer of WorkItem messages (plain objects in, bytes out). */
export function workItemSerializer(): (value: object) => Uint8Array {
  const serialize = taskHubClientClass().service.GetWorkItems!.responseSerialize;
  return (value) => serialize(value);
}

/** The server's definition; GetWorkItems also takes work items already encoded (encoded-work.ts) and sends them as they are. */
export function taskHubService(): ServiceDefinition {
  const service = taskHubClientClass().service;
  const getWorkItems = service.GetWorkItems!;
  const serialize = getWorkItems.responseSerialize;
  return {
    ...service,
    GetWorkItems: {
      ...getWorkItems,
      responseSerialize: (value: unknown) =>
        value instanceof Uint8Array
          ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
          : serialize(value),
    },
  };
}
