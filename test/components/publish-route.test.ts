/**
 * Dapr's publish API (`POST /v1.0/publish/{pubsubname}/{topic}`) in the HTTP app, over `pubsub.in-memory`:
 * envelopes, CloudEvent pass-through, raw payloads, attribute overrides, Dapr's error codes, the API token.
 */
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHttpApp } from "../../src/api/http/app.js";
import { publishRoutes } from "../../src/api/http/routes/publish.js";
import { TRIGGER_METADATA } from "../../src/components/dispatch.js";
import { eventually } from "../eventually.js";
import { startHarness, type TriggerHarness } from "./harness.js";

const resources = {
  "bus.yaml": `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: bus }
spec: { type: pubsub.in-memory, version: v1 }
`,
  "sub.yaml": `
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: orders }
spec:
  pubsubname: bus
  topic: orders/eu
  metadata:
    workflowName: Echo
    inputPath: "."
`,
};

let h: TriggerHarness;
let app: FastifyInstance;

async function startApp(apiToken?: string): Promise<void> {
  const triggers = await h.startTriggers(resources);
  app = await createHttpApp({ runtime: h.runtime, plugins: [publishRoutes(triggers)], apiToken });
}

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await app?.close();
  await h.close();
});

/** The CloudEvent the subscription received, as the Echo workflow returned it (input is the whole event). */
async function receivedEvent(instanceId: string): Promise<Record<string, unknown>> {
  await eventually(() => h.service.get(instanceId), 10_000, `instance ${instanceId}`);
  return JSON.parse((await h.service.waitForCompletion(instanceId, 10_000)).output!);
}

describe("publishing", () => {
  test("a JSON body is wrapped in a CloudEvent like Dapr's, and answered with 204", async () => {
    await startApp();
    const response = await app.inject({
      method: "POST",
      url: "/v1.0/publish/bus/orders/eu?metadata.cloudevent.id=o-1",
      headers: {
        "content-type": "application/json",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
      payload: { orderId: 1 },
    });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe("");
    const event = await receivedEvent("weft-o-1");
    expect(event).toMatchObject({
      specversion: "1.0",
      id: "o-1",
      source: "weft",
      type: "com.dapr.event.sent",
      datacontenttype: "application/json",
      data: { orderId: 1 },
      topic: "orders/eu",
      pubsubname: "bus",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
  });

  test("without a content type the body is text, as Dapr assumes", async () => {
    await startApp();
    const response = await app.inject({
      method: "PUT",
      url: "/v1.0/publish/bus/orders/eu?metadata.cloudevent.id=t-1&metadata.cloudevent.source=till",
      payload: Buffer.from("hello"),
    });
    expect(response.statusCode).toBe(204);
    expect(await receivedEvent("till-t-1")).toMatchObject({ datacontenttype: "text/plain", data: "hello" });
  });

  test("an application/cloudevents+json body is published as the CloudEvent it is", async () => {
    await startApp();
    const event = { specversion: "1.0", id: "c-9", source: "/crm", type: "customer.created", data: { n: 9 } };
    const response = await app.inject({
      method: "POST",
      url: "/v1.0/publish/bus/orders/eu",
      headers: { "content-type": "application/cloudevents+json" },
      payload: JSON.stringify(event),
    });
    expect(response.statusCode).toBe(204);
    expect(await receivedEvent("crm-c-9")).toMatchObject({ ...event, topic: "orders/eu", pubsubname: "bus" });
  });

  test("metadata.rawPayload=true publishes the bytes unwrapped; the receiver wraps them", async () => {
    await startApp();
    const response = await app.inject({
      method: "POST",
      url: "/v1.0/publish/bus/orders/eu?metadata.rawPayload=true",
      headers: { "content-type": "application/json" },
      payload: { raw: true },
    });
    expect(response.statusCode).toBe(204);
    const state = await eventually(async () => (await h.instances("bus-orders-eu-sha256-"))[0], 10_000);
    expect(state.metadata?.[TRIGGER_METADATA.id]).toMatch(/^sha256-/);
    expect(JSON.parse(state.input!)).toMatchObject({ type: "weft.message.received", data: { raw: true } });
  });
});

describe("errors, in Dapr's codes", () => {
  const cases: [
    string,
    { url: string; headers?: Record<string, string>; payload?: string },
    number,
    string,
  ][] = [
    ["an unknown pubsub", { url: "/v1.0/publish/kafka/orders" }, 400, "ERR_PUBSUB_NOT_FOUND"],
    [
      "unsupported metadata",
      { url: "/v1.0/publish/bus/orders?metadata.ttlInSeconds=5" },
      400,
      "ERR_PUBSUB_REQUEST_METADATA",
    ],
    [
      "a rawPayload that is not a boolean",
      { url: "/v1.0/publish/bus/orders?metadata.rawPayload=yes" },
      400,
      "ERR_PUBSUB_REQUEST_METADATA",
    ],
    [
      "an invalid CloudEvent",
      {
        url: "/v1.0/publish/bus/orders",
        headers: { "content-type": "application/cloudevents+json" },
        payload: JSON.stringify({ id: "x" }),
      },
      400,
      "ERR_PUBSUB_CLOUD_EVENTS_SER",
    ],
    [
      "a JSON content type with a body that is not JSON",
      { url: "/v1.0/publish/bus/orders", headers: { "content-type": "application/json" }, payload: "{" },
      400,
      "ERR_PUBSUB_CLOUD_EVENTS_SER",
    ],
  ];
  test.each(cases)("%s", async (_, request, status, errorCode) => {
    await startApp();
    const response = await app.inject({ method: "POST", payload: "{}", ...request });
    expect(response.statusCode).toBe(status);
    expect(response.json().errorCode).toBe(errorCode);
  });

  test("with DAPR_API_TOKEN set, publishing needs the dapr-api-token header", async () => {
    await startApp("token-1");
    const url = "/v1.0/publish/bus/orders/eu";
    expect((await app.inject({ method: "POST", url, payload: "x" })).statusCode).toBe(401);
    const ok = await app.inject({
      method: "POST",
      url,
      payload: "x",
      headers: { "dapr-api-token": "token-1" },
    });
    expect(ok.statusCode).toBe(204);
  });
});
