/** A gRPC client of the service that sends and receives raw bytes (identity serializers), to send what no SDK would. */
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { taskHubService } from "../../src/api/grpc/service-definition.js";

const identity = (bytes: Buffer) => bytes;

export class BytesClient {
  readonly client: Client;

  constructor(address: string) {
    this.client = new Client(address, credentials.createInsecure());
  }

  /** Resolves with the call's error (null when it succeeded). */
  unary(method: string, bytes: Buffer, deadlineMs?: number): Promise<ServiceError | null> {
    const path = taskHubService()[method]!.path;
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        path,
        identity,
        identity,
        bytes,
        new Metadata(),
        deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs },
        (error) => resolve(error),
      );
    });
  }

  /** Opens a server stream and resolves with the status it ends with (null when it ended OK). */
  stream(method: string, bytes: Buffer, deadlineMs?: number): Promise<ServiceError | null> {
    const path = taskHubService()[method]!.path;
    const call = this.client.makeServerStreamRequest(
      path,
      identity,
      identity,
      bytes,
      new Metadata(),
      deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs },
    );
    return new Promise((resolve) => {
      call.on("data", () => {});
      call.on("error", (error: ServiceError) => resolve(error));
      call.on("end", () => resolve(null));
    });
  }

  close(): void {
    this.client.close();
  }
}
