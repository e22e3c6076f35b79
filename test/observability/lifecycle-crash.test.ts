/**
 * Lifecycle events survive a crash: a real `weft run` publishing to NATS JetStream through a WorkflowEvents
 * resource is SIGKILLed while workflows run, then started again on the same data. Every instance ends up with
 * exactly one `started` and one `completed` event in the outbox (none lost, none invented for a change that was
 * not committed), and every one of them reaches the broker (at least once).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { launch, type ServerProcess } from "../cli/process.js";
import { serviceAvailable, uniqueName } from "../components/harness.js";
import { eventually } from "../eventually.js";
import { deleteStream, readEvents, readStream } from "./events-helpers.js";

const APP = resolve(import.meta.dirname, "fixtures/observed-app.mjs");
const available = await serviceAvailable("NATS JetStream", 4222);
const INSTANCES = 30;

describe.skipIf(!available)("lifecycle events across a SIGKILL", () => {
  const stream = uniqueName("weft_crash_events").replaceAll("-", "_");
  const dirs: string[] = [];
  afterAll(async () => {
    await deleteStream(stream);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("no event is lost or invented, and all reach the broker", { timeout: 90_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "weft-crash-events-"));
    const resources = mkdtempSync(join(tmpdir(), "weft-crash-resources-"));
    dirs.push(dataDir, resources);
    writeFileSync(
      join(resources, "events.yaml"),
      `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: bus }
spec:
  type: pubsub.jetstream
  version: v1
  metadata:
    - { name: natsURL, value: "nats://127.0.0.1:4222" }
    - { name: streamName, value: ${stream} }
---
apiVersion: weft.dev/v1alpha1
kind: WorkflowEvents
metadata: { name: all }
spec: { pubsubname: bus, topic: ${stream}.lifecycle }
`,
    );
    const args = ["--app", APP, "--data-dir", dataDir, "--resources-path", resources];
    let server: ServerProcess = launch(args);
    const ids = Array.from({ length: INSTANCES }, (_, i) => `slow-${i}`);
    try {
      await server.ready;
      // Started one after another, each taking 3 x 200 ms: they finish spread out over a second or so.
      for (const id of ids) {
        const answer = await fetch(server.url(`/v1.0/workflows/dapr/Slow/start?instanceID=${id}`), {
          method: "POST",
          body: "200",
        });
        expect(answer.status).toBe(202);
        await new Promise((r) => setTimeout(r, 30));
      }
      // Kill as soon as the first instance has finished: the others are mid-way.
      await readEvents(server.url("/weft/v1/events?from=oldest&type=completed"), (e) => e.length >= 1);
      server.child.kill("SIGKILL");
      await server.exited;
      const before = await readStream(stream);
      expect(before.filter((r) => r.data.type === "completed").length).toBeLessThan(INSTANCES);

      server = launch(args);
      await server.ready;
      const records = await eventually(
        async () => {
          const all = await readStream(stream);
          const completed = new Set(
            all.filter((r) => r.data.type === "completed").map((r) => r.data.instanceId),
          );
          return completed.size === INSTANCES ? all : undefined;
        },
        60_000,
        "every instance's completed event on the broker",
      );
      for (const id of ids) {
        const own = records.filter((r) => r.data.instanceId === id).map((r) => r.data.type);
        expect(new Set(own), id).toEqual(new Set(["started", "completed"]));
      }
      expect(records.every((r) => ids.includes(r.data.instanceId))).toBe(true);

      // The outbox itself holds each change exactly once.
      const outbox = await readEvents(
        server.url("/weft/v1/events?from=oldest"),
        (e) => e.length >= 2 * INSTANCES,
      );
      const kinds = outbox.map((e) => `${e.record.data.instanceId}:${e.record.data.type}`).sort();
      expect(kinds).toEqual(ids.flatMap((id) => [`${id}:completed`, `${id}:started`]).sort());
      for (const id of ids) {
        const state = (await (await fetch(server.url(`/v1.0/workflows/dapr/${id}`))).json()) as {
          runtimeStatus: string;
        };
        expect(state.runtimeStatus).toBe("COMPLETED");
      }
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
