/**
 * Issue 3, item 8 (and item 1's server on a real socket): npm @dapr/dapr's DaprClient, unchanged, drives a
 * server started the way `weft run` starts it, with the example app and an API token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CommunicationProtocolEnum, DaprClient, LogLevel } from "@dapr/dapr";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/api/http/app.js";
import { type RunningServer, startServer } from "../../src/server.js";

const TOKEN = "client-test-token";
const dir = mkdtempSync(join(tmpdir(), "weft-dapr-client-"));
let server: RunningServer;
let client: DaprClient;
let base: string;

beforeAll(async () => {
  server = await startServer({
    appModule: resolve(import.meta.dirname, "../../examples/order-processing.ts"),
    dataDir: dir,
    httpHost: "127.0.0.1",
    httpPort: 0,
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    apiToken: TOKEN,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  });
  base = `http://127.0.0.1:${server.httpPort}`;
  client = new DaprClient({
    daprHost: "127.0.0.1",
    daprPort: String(server.httpPort),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    daprApiToken: TOKEN,
    logger: { level: LogLevel.Error },
  });
});
afterAll(async () => {
  await client?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Long-polls the status URL (a Weft extension) until the instance leaves `status`. */
async function waitWhile(id: string, status: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const state = await client.workflow.get(id);
    if (state.runtimeStatus !== status) return state.runtimeStatus;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${id} stayed ${status}`);
}

async function waitForEnd(id: string) {
  const answer = await fetch(`${base}/weft/v1/instances/${id}?wait=20`, {
    headers: { "dapr-api-token": TOKEN },
  });
  const body = (await answer.json()) as { runtimeStatus: string; properties: Record<string, string> };
  return { status: answer.status, body };
}

test("start and get: the order workflow of the docs completes", async () => {
  const id = await client.workflow.start("OrderProcessingWorkflow", {
    Name: "Paperclips",
    TotalCost: 99.95,
    Quantity: 4,
  });
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect((await waitForEnd(id)).status).toBe(200);
  const state = await client.workflow.get(id);
  expect(state.instanceID).toBe(id);
  expect(state.workflowName).toBe("OrderProcessingWorkflow");
  expect(state.runtimeStatus).toBe("COMPLETED");
  expect(state.createdAt).toBeInstanceOf(Date);
  expect(JSON.parse(state.properties["dapr.workflow.input"]!)).toEqual({
    Name: "Paperclips",
    TotalCost: 99.95,
    Quantity: 4,
  });
  expect(JSON.parse(state.properties["dapr.workflow.output"]!)).toEqual({ processed: true });
});

test("pause, resume and raise: an order over the threshold waits for approval", async () => {
  const id = await client.workflow.start(
    "OrderProcessingWorkflow",
    { Name: "Cars", TotalCost: 5000, Quantity: 1 },
    "order-approval-1",
  );
  expect(id).toBe("order-approval-1");
  await waitWhile(id, "PENDING");
  for (
    let i = 0;
    i < 100 && (await client.workflow.get(id)).properties["dapr.workflow.custom_status"] === undefined;
    i++
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await client.workflow.pause(id);
  expect(await waitWhile(id, "RUNNING")).toBe("SUSPENDED");
  await client.workflow.resume(id);
  expect(await waitWhile(id, "SUSPENDED")).toBe("RUNNING");
  await client.workflow.raise(id, "approval_event", { approved: true });
  const done = await waitForEnd(id);
  expect(done.status).toBe(200);
  expect(JSON.parse(done.body.properties["dapr.workflow.output"]!)).toEqual({ processed: true });
  expect(done.body.properties["dapr.workflow.custom_status"]).toBe('"approved"');
});

test("terminate and purge; a purged instance is gone", async () => {
  const id = await client.workflow.start("OrderProcessingWorkflow", {
    Name: "Computers",
    TotalCost: 1e6,
    Quantity: 2,
  });
  await waitWhile(id, "PENDING");
  await client.workflow.terminate(id);
  expect((await waitForEnd(id)).body.runtimeStatus).toBe("TERMINATED");
  await client.workflow.purge(id);
  await expect(client.workflow.get(id)).rejects.toThrow(/404|ERR_INSTANCE_ID_NOT_FOUND/);
});

test("over a real socket: health is open, a wrong token is refused", async () => {
  expect((await fetch(`${base}/v1.0/healthz`)).status).toBe(204);
  const refused = await fetch(`${base}/v1.0/metadata`, { headers: { "dapr-api-token": "nope" } });
  expect(refused.status).toBe(401);
});

test("a malformed HTTP request gets a 400 and the server keeps serving", async () => {
  const reply = await new Promise<string>((resolveReply, reject) => {
    const socket = connect(server.httpPort, "127.0.0.1", () => {
      socket.write("POST /v1.0/workflows/dapr/x/pause HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
    });
    let data = "";
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => resolveReply(data));
    socket.on("error", reject);
  });
  expect(reply).toMatch(/^HTTP\/1\.1 400/);
  expect((await fetch(`${base}/v1.0/healthz`)).status).toBe(204);
});
