/**
 * Routing semantics on `pubsub.in-memory` (no broker needed): start and raise-event routes, instance id
 * templates and input selection, every onExists policy, dead-lettering, and idempotence under redelivery
 * (the same CloudEvent delivered twice).
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { OutgoingMessage } from "../../src/components/brokers/broker.js";
import { encodeEvent } from "../../src/components/cloud-event.js";
import { TRIGGER_METADATA } from "../../src/components/dispatch.js";
import type { TriggerManager } from "../../src/components/triggers.js";
import { TRACEPARENT_METADATA } from "../../src/engine/lifecycle.js";
import { eventually } from "../eventually.js";
import { startHarness, type TriggerHarness } from "./harness.js";

let h: TriggerHarness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const pubsub = `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: bus }
spec: { type: pubsub.in-memory, version: v1 }
`;

function subscription(name: string, topic: string, metadata: Record<string, string>, extra = ""): string {
  const lines = Object.entries(metadata).map(([k, v]) => `    ${k}: "${v}"`);
  return `
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: ${name} }
spec:
  pubsubname: bus
  topic: ${topic}
${extra}  metadata:
${lines.join("\n")}
`;
}

function cloudEvent(id: string, data: unknown, source = "shop"): OutgoingMessage {
  return {
    body: encodeEvent({ specversion: "1.0", id, source, type: "order.placed", data }),
  };
}

/**
 * In-memory delivery is sequential per subscription: a marker message published after the others, once its
 * instance exists, shows they were all handled. Its data has `key`, for subscriptions whose template reads it.
 */
async function settled(triggers: TriggerManager, instanceIdOf: (key: string) => string): Promise<void> {
  const key = `marker${Math.random().toString(36).slice(2)}`;
  await triggers.publish("bus", "orders", cloudEvent(key, { key }, "marker"));
  await eventually(() => h.service.get(instanceIdOf(key)), 10_000, "the marker instance");
}

describe("start a workflow", () => {
  test("default instance id is the CloudEvent source + id, input is the data", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription("orders", "orders", { workflowName: "Echo" }),
    });
    await triggers.publish("bus", "orders", cloudEvent("42", { orderId: 7 }, "/shop/eu"));
    const state = await eventually(() => h.service.get("shop-eu-42"), 10_000, "instance shop-eu-42");
    const done = await h.service.waitForCompletion(state.instanceId, 10_000);
    expect(done.name).toBe("Echo");
    expect(JSON.parse(done.output!)).toEqual({ orderId: 7 });
    expect(done.metadata).toMatchObject({
      [TRIGGER_METADATA.trigger]: "orders",
      [TRIGGER_METADATA.source]: "/shop/eu",
      [TRIGGER_METADATA.id]: "42",
    });
  });

  test("a CloudEvent's traceparent is kept with the instance it starts (tracing parents it so)", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription("orders", "orders", { workflowName: "Echo" }),
    });
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const body = encodeEvent({
      specversion: "1.0",
      id: "t1",
      source: "shop",
      type: "order.placed",
      traceparent,
    });
    await triggers.publish("bus", "orders", { body });
    const state = await eventually(() => h.service.get("shop-t1"), 10_000, "instance shop-t1");
    expect(state.metadata?.[TRACEPARENT_METADATA]).toBe(traceparent);
  });

  test("instanceIdTemplate and inputPath pick the id and input from the event", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription("orders", "orders", {
        workflowName: "Echo",
        instanceIdTemplate: "order-{{.data.order.id}}",
        inputPath: ".data.order.lines",
      }),
    });
    await triggers.publish("bus", "orders", cloudEvent("e1", { order: { id: "A/17", lines: [1, 2] } }));
    const done = await eventually(() => h.service.get("order-A-17"), 10_000, "instance order-A-17");
    expect(JSON.parse((await h.service.waitForCompletion(done.instanceId, 10_000)).output!)).toEqual([1, 2]);
  });

  test("a redelivered message starts nothing new (ignore policy)", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription("orders", "orders", { workflowName: "Waiter" }),
    });
    const message = cloudEvent("7", "first");
    await triggers.publish("bus", "orders", message);
    await triggers.publish("bus", "orders", message);
    await triggers.publish("bus", "orders", cloudEvent("7", "second, same id"));
    await settled(triggers, (key) => `marker-${key}`);
    const state = await h.service.get("shop-7");
    expect(state?.input).toBe(JSON.stringify("first"));
    const history = await h.service.history("shop-7");
    expect(history?.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
  });
});

describe("onExists", () => {
  const template = { workflowName: "Waiter", instanceIdTemplate: "job-{{.data.key}}" };

  test("terminate-and-restart recycles the id for a new message, but not for a redelivery", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription("jobs", "orders", { ...template, onExists: "terminate-and-restart" }),
    });
    await triggers.publish("bus", "orders", cloudEvent("m1", { key: "a", n: 1 }));
    const first = await eventually(async () => {
      const s = await h.service.get("job-a");
      return s?.status === "RUNNING" ? s : undefined;
    });
    const second = cloudEvent("m2", { key: "a", n: 2 });
    await triggers.publish("bus", "orders", second);
    const restarted = await eventually(async () => {
      const s = await h.service.get("job-a");
      return s && s.executionId !== first.executionId && s.status === "RUNNING" ? s : undefined;
    });
    expect(JSON.parse(restarted.input!)).toEqual({ key: "a", n: 2 });
    await triggers.publish("bus", "orders", second);
    await settled(triggers, (key) => `job-${key}`);
    expect((await h.service.get("job-a"))?.executionId).toBe(restarted.executionId);
  });

  test("raise-event raises the event on the existing instance, once per message", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription("items", "orders", {
        workflowName: "Collector",
        instanceIdTemplate: "basket-{{.data.basket}}",
        inputPath: ".data.item",
        onExists: "raise-event",
        eventName: "item",
      }),
    });
    await triggers.publish("bus", "orders", cloudEvent("s1", { basket: "b", item: "start" }));
    await eventually(() => h.service.get("basket-b"));
    const apple = cloudEvent("s2", { basket: "b", item: "apple" });
    await triggers.publish("bus", "orders", apple);
    await triggers.publish("bus", "orders", apple);
    await triggers.publish("bus", "orders", cloudEvent("s1", { basket: "b", item: "start" }));
    await triggers.publish("bus", "orders", cloudEvent("s3", { basket: "b", item: "stop" }));
    const done = await h.service.waitForCompletion("basket-b", 10_000);
    expect(JSON.parse(done.output!)).toEqual(["apple", "stop"]);
  });

  test("error dead-letters the message to spec.deadLetterTopic", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription(
        "strict",
        "orders",
        { ...template, onExists: "error" },
        "  deadLetterTopic: poison\n",
      ),
      "dead.yaml": subscription("poison", "poison", {
        workflowName: "Echo",
        instanceIdTemplate: "dead-{{.id}}",
      }),
    });
    await triggers.publish("bus", "orders", cloudEvent("d1", { key: "x" }));
    await eventually(() => h.service.get("job-x"));
    await triggers.publish("bus", "orders", cloudEvent("d2", { key: "x", again: true }));
    const dead = await eventually(() => h.service.get("dead-d2"), 10_000, "the dead-lettered message");
    const output = (await h.service.waitForCompletion(dead.instanceId, 10_000)).output;
    expect(JSON.parse(output!)).toEqual({ key: "x", again: true });
    // A redelivery of the message that started the instance is not an error.
    await triggers.publish("bus", "orders", cloudEvent("d1", { key: "x" }));
    await settled(triggers, (key) => `job-${key}`);
    expect(await h.service.get("dead-d1")).toBeUndefined();
  });

  test("ignore (the default) discards messages for an existing instance", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription("jobs", "orders", template),
    });
    await triggers.publish("bus", "orders", cloudEvent("i1", { key: "k", v: 1 }));
    await triggers.publish("bus", "orders", cloudEvent("i2", { key: "k", v: 2 }));
    await settled(triggers, (key) => `job-${key}`);
    expect(JSON.parse((await h.service.get("job-k"))!.input!)).toEqual({ key: "k", v: 1 });
  });
});

describe("raise an event", () => {
  test("eventName without workflowName raises on the instance the template names, deduplicated", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription("events", "items", {
        eventName: "item",
        instanceIdTemplate: "{{.subject}}",
      }),
    });
    await h.service.start({ name: "Collector", instanceId: "inbox-1" });
    const item = (id: string, data: string): OutgoingMessage => ({
      body: encodeEvent({ specversion: "1.0", id, source: "s", type: "t", subject: "inbox-1", data }),
    });
    await triggers.publish("bus", "items", item("1", "a"));
    await triggers.publish("bus", "items", item("1", "a"));
    await triggers.publish("bus", "items", item("2", "b"));
    await triggers.publish("bus", "items", item("3", "stop"));
    const done = await h.service.waitForCompletion("inbox-1", 10_000);
    expect(JSON.parse(done.output!)).toEqual(["a", "b", "stop"]);
  });

  test("an event for a missing instance goes to the dead-letter topic", async () => {
    const triggers = await h.startTriggers({
      "bus.yaml": pubsub,
      "sub.yaml": subscription(
        "events",
        "items",
        { eventName: "item", instanceIdTemplate: "{{.data.to}}" },
        "  deadLetterTopic: dead\n",
      ),
      "dead.yaml": subscription("dead", "dead", { workflowName: "Echo", instanceIdTemplate: "dlq-{{.id}}" }),
    });
    await triggers.publish("bus", "items", cloudEvent("lost", { to: "nobody" }));
    await eventually(() => h.service.get("dlq-lost"), 10_000, "the dead-lettered event");
  });
});

test("a message that is not a CloudEvent is wrapped, with a content hash as its id", async () => {
  const triggers = await h.startTriggers({
    "bus.yaml": pubsub,
    "sub.yaml": subscription("raw", "raw", { workflowName: "Echo", instanceIdTemplate: "raw-{{.data.n}}" }),
  });
  await triggers.publish("bus", "raw", { body: Buffer.from(JSON.stringify({ n: 5 })) });
  const state = await eventually(() => h.service.get("raw-5"));
  expect(state.metadata?.[TRIGGER_METADATA.source]).toBe("bus/raw");
  expect(state.metadata?.[TRIGGER_METADATA.id]).toMatch(/^sha256-[0-9a-f]{64}$/);
});
