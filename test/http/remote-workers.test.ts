/**
 * The unknown-workflow-name rule on a real server: a name nobody registered is refused at start (400) until a
 * Dapr SDK worker connects over gRPC; then it is accepted and runs on that worker.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskHubGrpcWorker } from "@dapr/durabletask-js";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/api/http/app.js";
import { type RunningServer, startServer } from "../../src/server.js";

const dir = mkdtempSync(join(tmpdir(), "weft-http-remote-"));
let server: RunningServer;
let worker: TaskHubGrpcWorker | undefined;

beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "info").mockImplementation(() => {});
  server = await startServer({
    dataDir: dir,
    httpHost: "127.0.0.1",
    httpPort: 0,
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  });
});
afterAll(async () => {
  await worker?.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

const start = (id: string) =>
  fetch(`http://127.0.0.1:${server.httpPort}/v1.0/workflows/dapr/RemoteEcho/start?instanceID=${id}`, {
    method: "POST",
    body: '"ping"',
  });

test("refused while no worker is connected, accepted and run once one is", async () => {
  const refused = await start("remote-0");
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as { errorCode: string }).errorCode).toBe("ERR_WORKFLOW_NOT_REGISTERED");

  worker = new TaskHubGrpcWorker(`127.0.0.1:${server.grpcPort}`);
  worker.addNamedOrchestrator("RemoteEcho", async function* (_ctx: unknown, input: string) {
    return `${input} pong`;
  });
  await worker.start();
  let accepted = await start("remote-1");
  for (let i = 0; i < 100 && accepted.status === 400; i++) {
    await new Promise((r) => setTimeout(r, 50));
    accepted = await start("remote-1");
  }
  expect(accepted.status).toBe(202);
  const done = await fetch(`http://127.0.0.1:${server.httpPort}${accepted.headers.get("location")}?wait=20`);
  expect(done.status).toBe(200);
  const state = (await done.json()) as { properties: Record<string, string> };
  expect(state.properties["dapr.workflow.output"]).toBe('"ping pong"');
});
