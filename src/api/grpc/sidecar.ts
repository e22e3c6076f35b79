/**
 * GrpcSidecar: serves the Durable Task `TaskHubSidecarService`, so apps written with Dapr's workflow SDKs run on
 * Weft unmodified. Workers connected over GetWorkItems become the engine's remote executors (`router`); client
 * calls go to the runtime's management service (engine/management.ts).
 *
 *   const sidecar = new GrpcSidecar({ apiToken });
 *   const runtime = new WorkflowRuntime({ remote: sidecar.router });
 *   sidecar.attach(runtime);
 *   await runtime.start();
 *   const port = await sidecar.listen("127.0.0.1", 50001);
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { ExecutorRouter } from "../../engine/executor.js";
import type { InstanceManagement } from "../../engine/management.js";
import { apiTokenInterceptor } from "./auth.js";
import { clientHandlers } from "./client-handlers.js";
import { remoteRouter } from "./remote-executors.js";
import { taskHubService, workItemSerializer } from "./service-definition.js";
import { tolerantService } from "./undecodable.js";
import { WorkStreams } from "./work-streams.js";
import { workerHandlers } from "./worker-handlers.js";

export interface GrpcSidecarOptions {
  /** When set, every call must carry it as `dapr-api-token` metadata (DAPR_API_TOKEN). */
  apiToken?: string;
  /** Largest message accepted (a turn's response, a start's input); default 16 MiB, grpc-js' own is 4 MiB. */
  maxMessageBytes?: number;
  /**
   * Unfinished work items per worker stream; default 100. @dapr/dapr 3.18 workers drop items beyond 10 running
   * plus 100 queued, so keep it at or below 110 for them.
   */
  maxItemsPerStream?: number;
  logger?: Logger;
}

/** What the sidecar needs from the runtime it serves. */
export interface SidecarRuntime {
  readonly service: InstanceManagement;
  wake(): void;
}

const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export class GrpcSidecar {
  /** Pass to `new WorkflowRuntime({ remote })`: names not registered in-process run on the connected workers. */
  readonly router: Omit<ExecutorRouter, "failUnknownNames">;
  readonly #options: GrpcSidecarOptions;
  readonly #logger: Logger;
  readonly #streams: WorkStreams;
  #runtime: SidecarRuntime | undefined;
  #server: Server | undefined;

  constructor(options: GrpcSidecarOptions = {}) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#streams = new WorkStreams({
      maxPerStream: options.maxItemsPerStream ?? 100,
      // Work that waited for a worker can go now.
      onConnect: () => this.#runtime?.wake(),
    });
    this.router = remoteRouter(this.#streams, workItemSerializer());
  }

  /** Whether a worker stream is connected: a workflow name not registered in-process may then still run. */
  get hasWorkers(): boolean {
    return this.#streams.connected;
  }

  /** GetWorkItems streams connected now (a metric). */
  get workerStreams(): number {
    return this.#streams.streamCount;
  }

  /** The runtime whose service answers client calls; attach before `listen`. */
  attach(runtime: SidecarRuntime): void {
    this.#runtime = runtime;
  }

  /** Starts serving; resolves with the bound port (useful with port 0). */
  async listen(host: string, port: number): Promise<number> {
    const runtime = this.#runtime;
    if (!runtime) throw new Error("attach a runtime before listening");
    if (this.#server) throw new Error("the gRPC sidecar is already listening");
    const { apiToken } = this.#options;
    const server = new Server({
      "grpc.max_receive_message_length": this.#options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      // Finds workers whose connection died without a goodbye, so their unfinished items are dispatched again.
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      // Per-call bookkeeping for a debugging service Weft does not serve; it showed in profiles of busy workers.
      "grpc.enable_channelz": 0,
      interceptors: apiToken ? [apiTokenInterceptor(apiToken)] : [],
    });
    server.addService(tolerantService(taskHubService()), {
      ...clientHandlers(() => runtime.service, this.#logger),
      ...workerHandlers(this.#streams, this.#logger),
    });
    const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      );
    });
    this.#server = server;
    return bound;
  }

  /** Stops serving: unfinished work items go back to the engine and open calls (long polls) are cancelled. */
  async close(): Promise<void> {
    this.#streams.closeAll();
    this.#server?.forceShutdown();
    this.#server = undefined;
  }
}
