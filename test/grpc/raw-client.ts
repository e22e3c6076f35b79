/**
 * A raw client of the service, for the RPCs the SDKs do not expose (ListInstanceIDs, GetInstanceHistory,
 * CompleteWorkflowTask) and for driving a worker by hand.
 */
import { type Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { taskHubClientClass } from "../../src/api/grpc/service-definition.js";

type Callback = (error: ServiceError | null, response: unknown) => void;
type UnaryMethod = (request: object, metadata: Metadata, callback: Callback) => void;

/** Calls RPCs by their method name with plain objects, as the wire types describe them. */
export class RawClient {
  readonly client: Client;
  readonly #metadata = new Metadata();

  constructor(address: string, apiToken?: string) {
    const ClientClass = taskHubClientClass();
    this.client = new ClientClass(address, credentials.createInsecure());
    if (apiToken !== undefined) this.#metadata.set("dapr-api-token", apiToken);
  }

  call<T = Record<string, unknown>>(method: string, request: object): Promise<T> {
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method];
    if (!fn) throw new Error(`no method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(this.client, request, this.#metadata, (error, response) =>
        error ? reject(error) : resolve(response as T),
      );
    });
  }

  /** Opens a GetWorkItems stream; received items are pushed to `items`. */
  workItems(): {
    items: Record<string, unknown>[];
    next(): Promise<Record<string, unknown>>;
    /** Resolves with the status the stream ended with. */
    failed: Promise<ServiceError>;
    cancel(): void;
  } {
    const stream = (
      this.client as unknown as {
        GetWorkItems(request: object, metadata: Metadata): NodeJS.ReadableStream & { cancel(): void };
      }
    ).GetWorkItems({}, this.#metadata);
    const items: Record<string, unknown>[] = [];
    const waiters: ((item: Record<string, unknown>) => void)[] = [];
    stream.on("data", (item: Record<string, unknown>) => {
      const waiter = waiters.shift();
      if (waiter) waiter(item);
      else items.push(item);
    });
    const failed = new Promise<ServiceError>((resolve) => stream.on("error", resolve));
    return {
      items,
      failed,
      next: () => {
        const item = items.shift();
        return item ? Promise.resolve(item) : new Promise((resolve) => waiters.push(resolve));
      },
      cancel: () => stream.cancel(),
    };
  }

  close(): void {
    this.client.close();
  }
}
