/**
 * End to end through `weft run --resources-path`: a message published with Dapr's publish API goes through
 * NATS JetStream and starts the workflow its Subscription names (JetStream, because the Redis and RabbitMQ test
 * files restart their brokers and may run at the same time); a cron binding starts its workflow on schedule;
 * a mistake in the resources stops `weft run` with an error naming the file and field.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connect } from "nats";
import { afterAll, describe, expect, test } from "vitest";
import { launch } from "../cli/process.js";
import { eventually } from "../eventually.js";
import { serviceAvailable, uniqueName } from "./harness.js";

const APP = resolve(import.meta.dirname, "fixtures/trigger-app.mjs");
const available = await serviceAvailable("NATS JetStream", 4222);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-run-triggers-"));
  dirs.push(dir);
  return dir;
}
function resourcesDir(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)("weft run with triggers", () => {
  const stream = uniqueName("weft_run").replaceAll("-", "_");
  const topic = `${stream}.orders`;
  afterAll(async () => {
    const nc = await connect({ servers: "127.0.0.1:4222" });
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
    await nc.close();
  });

  test("publish API -> JetStream -> subscription starts a workflow; cron ticks start theirs", async () => {
    const resources = resourcesDir({
      "pubsub.yaml": `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: orders-bus
spec:
  type: pubsub.jetstream
  version: v1
  metadata:
    - name: natsURL
      value: nats://127.0.0.1:4222
    - name: streamName
      value: ${stream}
`,
      "subscription.yaml": `
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: new-orders
spec:
  pubsubname: orders-bus
  topic: ${topic}
  metadata:
    workflowName: ProcessOrder
    instanceIdTemplate: "order-{{.data.orderId}}"
`,
      "cron.yaml": `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ticker
spec:
  type: bindings.cron
  version: v1
  metadata:
    - name: schedule
      value: "@every 1s"
    - name: workflowName
      value: Tick
`,
    });
    const server = launch(["--app", APP, "--data-dir", tempDir(), "--resources-path", resources]);
    try {
      await server.ready;
      const published = await fetch(server.url(`/v1.0/publish/orders-bus/${topic}`), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId: "A-17", total: 12.5 }),
      });
      expect(published.status).toBe(204);
      const order = await eventually(
        async () => {
          const answer = await fetch(server.url("/v1.0/workflows/dapr/order-A-17"));
          if (answer.status !== 200) return undefined;
          const body = (await answer.json()) as { runtimeStatus: string; properties: Record<string, string> };
          return body.runtimeStatus === "COMPLETED" ? body : undefined;
        },
        20_000,
        "order-A-17 to complete",
      );
      expect(JSON.parse(order.properties["dapr.workflow.output"]!)).toEqual({
        processed: { orderId: "A-17", total: 12.5 },
      });
      const ticks = await eventually(
        async () => {
          const answer = await fetch(server.url("/weft/v1/instances?name=Tick"));
          const page = (await answer.json()) as { instances: { instanceID: string }[] };
          return page.instances.length >= 2 ? page.instances : undefined;
        },
        20_000,
        "two cron ticks",
      );
      for (const tick of ticks) expect(tick.instanceID).toMatch(/^ticker-\d{8}T\d{6}Z$/);
    } finally {
      server.child.kill("SIGTERM");
      expect(await server.exited, server.output()).toBe(0);
    }
  });
});

test("weft run refuses resources with a mistake, naming the file and the field", async () => {
  const resources = resourcesDir({
    "subscription.yaml": `
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: s }
spec:
  pubsubname: nowhere
  topic: t
  metadata: { workflowName: ProcessOrder }
`,
  });
  const server = launch(["--app", APP, "--data-dir", tempDir(), "--resources-path", resources]);
  expect(await server.exited).not.toBe(0);
  expect(server.output()).toMatch(
    /subscription\.yaml: spec\.pubsubname: no pubsub component named 'nowhere'/,
  );
});
