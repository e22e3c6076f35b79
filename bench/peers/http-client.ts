import { Agent, request } from "node:http";

export interface HttpResponse {
  status: number;
  body: string;
}

/**
 * A small keep-alive HTTP/1.1 client for driving peers' ingress. node:http with a pooled agent costs the driver
 * less CPU per call than fetch, which matters when driver and system share two cores.
 */
export class HttpClient {
  readonly #agent: Agent;

  constructor(
    readonly baseUrl: string,
    maxSockets = 256,
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(method: "GET" | "POST", path: string, body?: unknown): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.#agent,
          headers: payload
            ? {
                accept: "application/json",
                "content-type": "application/json",
                "content-length": payload.length,
              }
            : { accept: "application/json" },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** POSTs and returns the parsed JSON answer, failing on any non-2xx status. */
  async postJson<T>(path: string, body: unknown): Promise<T> {
    const res = await this.send("POST", path, body);
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`POST ${path} -> ${res.status}: ${res.body.slice(0, 500)}`);
    }
    return (res.body === "" ? undefined : JSON.parse(res.body)) as T;
  }

  close(): void {
    this.#agent.destroy();
  }
}
