/**
 * Issue 17, item 3: rows that are already bad (written by an older version, a hostile worker or by hand) never
 * make a read fail. Bad rows are written straight into a SQLite database; then every read route of both edges
 * answers, showing what it cannot interpret as unreadable (times as null over HTTP, absent over gRPC, values as `<unreadable: ...>`,
 * an unknown status as UNKNOWN).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, test } from "vitest";
import { GrpcSidecar } from "../../src/api/grpc/sidecar.js";
import { createHttpApp } from "../../src/api/http/app.js";
import { WorkflowRuntime } from "../../src/index.js";
import { RawClient } from "../grpc/raw-client.js";
import { Echo } from "../http/harness.js";

const dir = mkdtempSync(join(tmpdir(), "weft-stored-"));
const path = join(dir, "weft.db");
let runtime: WorkflowRuntime;
let sidecar: GrpcSidecar;
let app: FastifyInstance;
let client: RawClient;

const BAD_EVENTS = JSON.stringify([
  { type: "ExecutionStarted", eventId: -1, timestamp: "yesterday", name: "Echo", instanceId: "bad-1" },
  { type: "WorkflowStarted", eventId: -1, timestamp: 8.7e15 },
  { type: "TimerCreated", eventId: 1, timestamp: 1, fireAt: 1e20 },
  { type: "TimerFired", eventId: -1, timestamp: 2, fireAt: null, timerId: 1 },
  { type: "TaskFailed", eventId: -1, timestamp: 3, taskScheduledId: 0 },
  { type: "TaskCompleted", eventId: -1, timestamp: 4, taskScheduledId: 0, result: { not: "text" } },
  5,
  { type: "SomethingNew", eventId: "x", timestamp: -1e17 },
]);

beforeAll(async () => {
  // A database with the current schema, then bad rows written beside Weft's own.
  const first = new WorkflowRuntime({ databasePath: path });
  first.registerWorkflow(Echo);
  await first.start();
  await first.service.start({ name: "Echo", instanceId: "good-1", input: '"hi"' });
  await first.service.waitForCompletion("good-1", 10_000);
  await first.stop();

  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO instances (instance_id, name, execution_id, status, created_at, updated_at, scheduled_start_at,
                            input, output, custom_status, failure, metadata, history_length)
     VALUES (?, 'Echo', 'e1', ?, ?, ?, ?, ?, ?, ?, ?, ?, 8)`,
  );
  insert.run(
    "bad-1",
    "COMPLETED",
    "yesterday",
    1e300,
    -9e99,
    Buffer.from([0xff, 0xfe, 0x00]),
    Buffer.from("{}"),
    7,
    '{"errorType": 5, "innerFailure": "nope"}',
    "[1, 2]",
  );
  insert.run(
    "bad-2",
    "SOMETHING_NEW",
    -1e17,
    "soon",
    null,
    null,
    null,
    null,
    '"just text"',
    '{"k": {"v": 1}}',
  );
  insert.run("bad-3", "FAILED", 1, 2, null, null, null, null, "{not json", "{nor this");
  db.prepare(
    "INSERT INTO history (instance_no, seq, events) VALUES ((SELECT instance_no FROM instances WHERE instance_id = ?), 0, ?)",
  ).run("bad-1", BAD_EVENTS);
  db.prepare(
    "INSERT INTO history (instance_no, seq, events) VALUES ((SELECT instance_no FROM instances WHERE instance_id = ?), 0, ?)",
  ).run("bad-3", "[{broken");
  db.close();

  sidecar = new GrpcSidecar();
  runtime = new WorkflowRuntime({ databasePath: path, remote: sidecar.router });
  runtime.registerWorkflow(Echo);
  sidecar.attach(runtime);
  await runtime.start();
  const port = await sidecar.listen("127.0.0.1", 0);
  client = new RawClient(`127.0.0.1:${port}`);
  app = await createHttpApp({ runtime });
});

afterAll(async () => {
  client.close();
  await app.close();
  await sidecar.close();
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (url: string) => {
  const answer = await app.inject({ method: "GET", url });
  return { status: answer.statusCode, json: answer.json() };
};

test("HTTP: instance reads show bad times as null, bad values as unreadable, an unknown status as UNKNOWN", async () => {
  const bad1 = await get("/v1.0/workflows/dapr/bad-1");
  expect(bad1.status).toBe(200);
  expect(bad1.json).toMatchObject({
    instanceID: "bad-1",
    createdAt: null,
    lastUpdatedAt: null,
    runtimeStatus: "COMPLETED",
    properties: {
      "dapr.workflow.input": "<unreadable: 3 bytes that are not UTF-8 text>",
      "dapr.workflow.output": "{}",
      "dapr.workflow.custom_status": "7.0", // SQLite keeps the number 7 in a TEXT column as "7.0"
      "dapr.workflow.failure.error_type": "5",
      "dapr.workflow.failure.error_message": "",
    },
  });
  expect(bad1.json).not.toHaveProperty("metadata"); // an array is no metadata

  const bad2 = await get("/v1.0/workflows/dapr/bad-2");
  expect(bad2.status).toBe(200);
  expect(bad2.json).toMatchObject({ runtimeStatus: "UNKNOWN", createdAt: null, lastUpdatedAt: null });
  expect(bad2.json.metadata).toEqual({ k: "<unreadable: a stored object where text belongs>" });

  expect((await get("/weft/v1/instances/bad-1")).status).toBe(200);
  expect((await get("/weft/v1/instances/bad-2")).status).toBe(202);
  const alpha = await get("/v1.0-alpha1/workflows/dapr/Echo/bad-2");
  expect(alpha).toMatchObject({ status: 200, json: { start_time: null, metadata: { status: "Unknown" } } });

  const list = await get("/weft/v1/instances");
  expect(list.status).toBe(200);
  // Listings are newest first; rows with unreadable creation times still come, in whatever place they sort to.
  expect(list.json.instances.map((i: { instanceID: string }) => i.instanceID).sort()).toEqual([
    "bad-1",
    "bad-2",
    "bad-3",
    "good-1",
  ]);
});

test("HTTP: history with bad times and events shows them as such", async () => {
  const history = await get("/weft/v1/instances/bad-1/history");
  expect(history.status).toBe(200);
  const events = history.json.events;
  expect(events[0]).toMatchObject({ type: "ExecutionStarted", timestamp: null });
  expect(events[1]).toMatchObject({ type: "WorkflowStarted", timestamp: null });
  expect(events[2]).toMatchObject({
    type: "TimerCreated",
    timestamp: "1970-01-01T00:00:00.001Z",
    fireAt: null,
  });
  expect(events[3]).toMatchObject({ type: "TimerFired", fireAt: null });
  expect(events[6]).toEqual({ type: "Unreadable", value: "5" });
  expect(events[7]).toMatchObject({ type: "SomethingNew", timestamp: null });
});

test("HTTP: JSON columns and history rows that are not JSON are shown as text", async () => {
  const bad3 = await get("/v1.0/workflows/dapr/bad-3");
  expect(bad3.status).toBe(200);
  expect(bad3.json.properties).toMatchObject({
    "dapr.workflow.failure.error_type": "",
    "dapr.workflow.failure.error_message": "{not json",
  });
  expect(bad3.json).not.toHaveProperty("metadata");
  const history = await get("/weft/v1/instances/bad-3/history");
  expect(history).toMatchObject({
    status: 200,
    json: { events: [{ type: "Unreadable", value: "[{broken" }] },
  });
});

test("gRPC: GetInstance, GetInstanceHistory and ListInstanceIDs answer for bad rows", async () => {
  for (const id of ["bad-1", "bad-2"]) {
    const answer = await client.call<{ exists: boolean; orchestrationState: Record<string, unknown> }>(
      "GetInstance",
      { instanceId: id, getInputsAndOutputs: true },
    );
    expect(answer.exists).toBe(true);
    expect(answer.orchestrationState.createdTimestamp).toBeUndefined();
  }
  const bad1 = await client.call<{ orchestrationState: Record<string, { value?: string }> }>("GetInstance", {
    instanceId: "bad-1",
    getInputsAndOutputs: true,
  });
  expect(bad1.orchestrationState.input?.value).toBe("<unreadable: 3 bytes that are not UTF-8 text>");

  const history = await client.call<{ events: Record<string, unknown>[] }>("GetInstanceHistory", {
    instanceId: "bad-1",
  });
  expect(history.events).toHaveLength(8);
  expect(history.events[0]!.timestamp).toBeUndefined();
  expect(history.events[2]!.timerCreated).toEqual({});
  expect(history.events[4]!.taskFailed).toMatchObject({
    failureDetails: { errorType: "", errorMessage: "" },
  });
  expect(history.events[5]!.taskCompleted).toMatchObject({
    result: { value: "<unreadable: a stored object where text belongs>" },
  });

  const list = await client.call<{ instanceIds: string[] }>("ListInstanceIDs", {});
  expect([...list.instanceIds].sort()).toEqual(["bad-1", "bad-2", "bad-3", "good-1"]);
});
