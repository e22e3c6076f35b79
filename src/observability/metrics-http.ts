/**
 * Where Prometheus scrapes: `GET /metrics` on the HTTP API (behind the API token, like every route there), and on
 * a port of its own with nothing else on it (`--metrics-port`, Dapr's 9090), which needs no token.
 */
import { createServer, type Server } from "node:http";
import type { FastifyPluginAsync } from "fastify";
import type { WorkflowMetrics } from "./metrics.js";

export function metricsRoute(metrics: WorkflowMetrics): FastifyPluginAsync {
  return async (app) => {
    app.get("/metrics", async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.text()),
    );
  };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function listenMetrics(
  metrics: WorkflowMetrics,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" || path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics is served here\n");
      return;
    }
    metrics.text().then(
      (text) => response.writeHead(200, { "content-type": metrics.contentType }).end(text),
      (error: unknown) =>
        response
          .writeHead(500, { "content-type": "text/plain" })
          .end(`metrics failed: ${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
