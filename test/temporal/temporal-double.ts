/**
 * A gRPC double of Temporal's WorkflowService, built from the service descriptors `@temporalio/proto` ships: it
 * records every request exactly as it arrives on the wire (decoded with Temporal's own message types) and answers
 * as each test scripts it, errors included. A method no test scripted answers UNIMPLEMENTED, as a server that
 * lacks it would.
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import proto from "@temporalio/proto";

/** The reflection API of the root `@temporalio/proto` exports (a protobufjs Root; its typings show the statics). */
interface ReflectedType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(value: object): object;
  toObject(message: object, options: object): Record<string, unknown>;
}
interface ReflectedMethod {
  name: string;
  requestStream?: boolean;
  responseStream?: boolean;
  resolvedRequestType: ReflectedType | null;
  resolvedResponseType: ReflectedType | null;
}
interface ReflectedRoot {
  lookupService(name: string): { methods: Record<string, ReflectedMethod>; resolveAll(): unknown };
  lookupType(name: string): ReflectedType;
}
const root = proto as unknown as ReflectedRoot;

const SERVICE = "temporal.api.workflowservice.v1.WorkflowService";

/** A request as the double saw it: bytes as UTF-8 text, enums by name, 64-bit numbers as numbers. */
export interface RecordedCall {
  method: string;
  request: Record<string, unknown>;
  /** The gRPC metadata (headers) of the call. */
  metadata: Record<string, unknown>;
}

/** What a script returns: the response as a plain object (Temporal's field names), or throws a `GrpcFailure`. */
export type Answer = (
  request: Record<string, unknown>,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export class GrpcFailure extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
    /** A Temporal error detail (e.g. NamespaceNotFoundFailure) for `grpc-status-details-bin`. */
    readonly detail?: { type: string; value: Record<string, unknown> },
  ) {
    super(details);
  }
}

export class TemporalDouble {
  readonly calls: RecordedCall[] = [];
  readonly #answers = new Map<string, Answer>();
  #server: Server;
  #port = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** `tls`: serve TLS with this PEM certificate and key instead of plain text. */
  static async start(options: { tls?: { cert: Buffer; key: Buffer } } = {}): Promise<TemporalDouble> {
    const server = new Server();
    const double = new TemporalDouble(server);
    const service = root.lookupService(SERVICE);
    service.resolveAll();
    const definition: Record<string, ServiceDefinition[string]> = {};
    const implementation: UntypedServiceImplementation = {};
    for (const method of Object.values(service.methods)) {
      if (method.requestStream || method.responseStream) continue;
      const requestType = method.resolvedRequestType as ReflectedType;
      const responseType = method.resolvedResponseType as ReflectedType;
      definition[method.name] = {
        path: `/${SERVICE}/${method.name}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: object) =>
          Buffer.from(requestType.encode(requestType.fromObject(value)).finish()),
        requestDeserialize: (bytes: Buffer) => requestType.decode(bytes),
        responseSerialize: (value: object) =>
          Buffer.from(responseType.encode(responseType.fromObject(value)).finish()),
        responseDeserialize: (bytes: Buffer) => responseType.decode(bytes),
      };
      implementation[method.name] = (
        call: ServerUnaryCall<object, object>,
        callback: sendUnaryData<object>,
      ) => {
        const request = readable(requestType.toObject(call.request, { longs: Number, enums: String }));
        double.calls.push({ method: method.name, request, metadata: call.metadata.getMap() });
        const answer = double.#answers.get(method.name);
        if (!answer) {
          callback({ code: status.UNIMPLEMENTED, details: `unknown method ${method.name}` });
          return;
        }
        Promise.resolve()
          .then(() => answer(request))
          .then(
            (response) => callback(null, response),
            (error: unknown) => callback(toServiceError(error)),
          );
      };
    }
    server.addService(definition, implementation);
    double.#port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", credentials(options.tls), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    return double;
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** Scripts `method` (e.g. `StartWorkflowExecution`); replaces an earlier script. */
  answer(method: string, answer: Answer): this {
    this.#answers.set(method, answer);
    return this;
  }

  /** Makes every method fail the same way (an outage). */
  failAll(failure: GrpcFailure): this {
    for (const method of Object.keys(root.lookupService(SERVICE).methods)) {
      this.answer(method, () => {
        throw failure;
      });
    }
    return this;
  }

  reset(): void {
    this.calls.length = 0;
    this.#answers.clear();
  }

  /** The recorded calls of one method. */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.tryShutdown(() => resolve()));
  }
}

function credentials(tls: { cert: Buffer; key: Buffer } | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false);
}

function toServiceError(error: unknown) {
  if (!(error instanceof GrpcFailure)) {
    return { code: status.INTERNAL, details: error instanceof Error ? error.message : String(error) };
  }
  const metadata = new Metadata();
  if (error.detail) {
    const type = root.lookupType(error.detail.type);
    const value = type.encode(type.fromObject(error.detail.value)).finish();
    const details = proto.google.rpc.Status.encode({
      code: error.code,
      message: error.details,
      details: [{ type_url: `type.googleapis.com/${error.detail.type}`, value }],
    }).finish();
    metadata.set("grpc-status-details-bin", Buffer.from(details));
  }
  return { code: error.code, details: error.details, metadata };
}

/** Bytes become UTF-8 text so tests can compare payloads as they read them. */
function readable(value: unknown): Record<string, unknown> {
  return convert(value) as Record<string, unknown>;
}

function convert(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (Array.isArray(value)) return value.map(convert);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
  }
  return value;
}

/** A Temporal timestamp for scripted answers. */
export function timestamp(iso: string): { seconds: number; nanos: number } {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

/** A `json/plain` payload as a scripted answer carries it. */
export function jsonPayload(json: string) {
  return { metadata: { encoding: Buffer.from("json/plain") }, data: Buffer.from(json) };
}
