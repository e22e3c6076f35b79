/**
 * Lifecycle events end to end in one process: a WorkflowEvents resource publishes the events it selects to NATS
 * JetStream as CloudEvents, and GET /weft/v1/events streams them as Server-Sent Events, resuming after
 * Last-Event-ID. (The crash test, with a SIGKILLed `weft run`, is lifecycle-crash.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { type RunningServer, startServer } from "../../src/server.js";
import { serviceAvailable, uniqueName } from "../components/harness.js";
import { eventually } from "../eventually.js";
import { deleteStream, readEvents, readStream } from "./events-helpers.js";

const APP = resolve(import.meta.dirname, "fixtures/observed-app.mjs");
const available = await serviceAvailable("NATS JetStream", 4222);
const dirs: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-events-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function serve(options: { resources?: Record<string, string>; lifecycleEvents?: boolean } = {}) {
  let resourcesPath: string | undefined;
  if (options.resources) {
    resourcesPath = temp();
    for (const [name, text] of Object.entries(options.resources))
      writeFileSync(join(resourcesPath, name), text);
  }
  return startServer({
    appModule: APP,
    dataDir: temp(),
    httpHost: "127.0.0.1",
    httpPort: 0,
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    maxBodyBytes: 1 << 20,
    resourcesPath,
    lifecycleEvents: options.lifecycleEvents,
  });
}

async function workload(server: RunningServer): Promise<void> {
  const base = `http://127.0.0.1:${server.httpPort}/v1.0/workflows/dapr`;
  const post = (path: string) => fetch(`${base}/${path}`, { method: "POST", body: "1" });
  for (const path of [
    "Chain/start?instanceID=c1",
    "Fails/start?instanceID=f1",
    "Waits/start?instanceID=w1",
  ]) {
    expect((await post(path)).status).toBe(202);
  }
  const service = server.runtime.service;
  await service.waitForCompletion("c1", 20_000);
  await service.waitForCompletion("f1", 20_000);
  await service.waitForStart("w1", 20_000);
  expect((await post("w1/suspend")).status).toBe(202);
  await service.waitForStatus("w1", ["SUSPENDED"], 20_000);
  expect((await post("w1/resume")).status).toBe(202);
  await service.waitForStatus("w1", ["RUNNING"], 20_000);
  expect((await post("w1/terminate")).status).toBe(202);
  await service.waitForCompletion("w1", 20_000);
}

const ALL = [
  "c1:started",
  "c1:completed",
  "f1:started",
  "f1:failed",
  "w1:started",
  "w1:suspended",
  "w1:resumed",
  "w1:terminated",
];
const kinds = (records: { data: { instanceId: string; type: string } }[]) =>
  records.map((r) => `${r.data.instanceId}:${r.data.type}`);
/** Per instance, in order (instances run at once, so only each one's own events have an order). */
const byInstance = (list: string[]) =>
  [...list].sort((a, b) => a.split(":")[0]!.localeCompare(b.split(":")[0]!));

describe("GET /weft/v1/events", () => {
  test("streams every lifecycle event as a CloudEvent and resumes after Last-Event-ID", async () => {
    const server = await serve({ lifecycleEvents: true });
    const url = (query = "") => `http://127.0.0.1:${server.httpPort}/weft/v1/events${query}`;
    try {
      // A stream opened first sees the events as they happen.
      const live = readEvents(url(), (events) => events.length >= ALL.length);
      await new Promise((r) => setTimeout(r, 300));
      await workload(server);
      const seen = await live;
      expect(byInstance(kinds(seen.map((e) => e.record)))).toEqual(ALL);
      const failed = seen.find((e) => e.record.data.type === "failed")!.record;
      expect(failed).toMatchObject({
        specversion: "1.0",
        type: "weft.workflow.failed",
        subject: "f1",
        source: "weft",
        datacontenttype: "application/json",
        data: {
          workflowName: "Fails",
          status: "FAILED",
          failure: { message: "this workflow fails on purpose" },
        },
      });
      expect(failed.id).toBe(seen.find((e) => e.record.data.type === "failed")!.id);

      const replay = await readEvents(url("?from=oldest"), (events) => events.length >= ALL.length);
      expect(replay.map((e) => e.id)).toEqual(seen.map((e) => e.id));
      const resumed = await readEvents(url(), (events) => events.length >= 3, {
        "last-event-id": replay[4]!.id,
      });
      expect(resumed.map((e) => e.id)).toEqual(replay.slice(5).map((e) => e.id));
      const filtered = await readEvents(
        url("?from=oldest&type=started,terminated&workflow=Waits"),
        (e) => e.length >= 2,
      );
      expect(kinds(filtered.map((e) => e.record))).toEqual(["w1:started", "w1:terminated"]);

      expect((await fetch(url("?type=exploded"))).status).toBe(400);
      const bad = await fetch(url(), { headers: { "last-event-id": "not-an-id" } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({
        errorCode: expect.any(String),
        message: expect.stringContaining("event id"),
      });
    } finally {
      await server.close();
    }
  });

  test("without lifecycle events there is no stream", async () => {
    const server = await serve();
    try {
      expect((await fetch(`http://127.0.0.1:${server.httpPort}/weft/v1/events`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!available)("WorkflowEvents to NATS JetStream", () => {
  const stream = uniqueName("weft_events").replaceAll("-", "_");
  afterAll(() => deleteStream(stream));

  test("publishes the selected events, in order per instance, as CloudEvents", async () => {
    const server = await serve({
      resources: {
        "bus.yaml": `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: events-bus }
spec:
  type: pubsub.jetstream
  version: v1
  metadata:
    - { name: natsURL, value: "nats://127.0.0.1:4222" }
    - { name: streamName, value: ${stream} }
`,
        "events.yaml": `
apiVersion: weft.dev/v1alpha1
kind: WorkflowEvents
metadata: { name: endings }
spec:
  pubsubname: events-bus
  topic: ${stream}.endings
  events: [completed, failed, terminated]
---
apiVersion: weft.dev/v1alpha1
kind: WorkflowEvents
metadata: { name: waits }
spec:
  pubsubname: events-bus
  topic: ${stream}.waits
  workflows: [Waits]
`,
      },
    });
    try {
      await workload(server);
      const records = await eventually(async () => {
        const all = await readStream(stream);
        return all.length >= 3 + 4 ? all : undefined;
      });
      const endings = records.filter((r) => r.subject === `${stream}.endings`);
      expect(byInstance(kinds(endings))).toEqual(["c1:completed", "f1:failed", "w1:terminated"]);
      const waits = records.filter((r) => r.subject === `${stream}.waits`);
      expect(kinds(waits)).toEqual(["w1:started", "w1:suspended", "w1:resumed", "w1:terminated"]);
      expect(records.every((r) => r.specversion === "1.0" && r.type === `weft.workflow.${r.data.type}`)).toBe(
        true,
      );
    } finally {
      await server.close();
    }
  });

  test("a WorkflowEvents resource naming a missing pub/sub stops the server with the file and field", async () => {
    await expect(
      serve({
        resources: {
          "events.yaml": `
apiVersion: weft.dev/v1alpha1
kind: WorkflowEvents
metadata: { name: nowhere }
spec: { pubsubname: missing, topic: t }
`,
        },
      }),
    ).rejects.toThrow(/events\.yaml: spec\.pubsubname: no pub\/sub component named 'missing'/);
    await expect(
      serve({
        resources: {
          "events.yaml": `
apiVersion: weft.dev/v1alpha1
kind: WorkflowEvents
metadata: { name: typo }
spec: { pubsubname: x, topic: t, events: [finished] }
`,
        },
      }),
    ).rejects.toThrow(/events\.yaml: spec\.events\.0: /);
  });
});
