/**
 * `pubsub.rabbitmq` and `bindings.rabbitmq` against the local RabbitMQ (127.0.0.1:5672, guest/guest), including
 * a broker restart (`rabbitmqctl stop_app` / `start_app`) while messages flow.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type Channel, connect } from "amqplib";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "vitest";
import { encodeEvent } from "../../src/components/cloud-event.js";
import { eventually } from "../eventually.js";
import {
  componentYaml,
  echoSubscriptionYaml,
  expectEachStartedOnce,
  outcomeCounter,
  publishThroughRestart,
  serviceAvailable,
  startHarness,
  type TriggerHarness,
  uniqueName,
} from "./harness.js";

const URL = "amqp://guest:guest@127.0.0.1:5672";
const available = await serviceAvailable("RabbitMQ", 5672);
const run = promisify(execFile);

/** A short-lived connection of the test's own (a broker restart would close a long-lived one). */
async function withChannel<T>(use: (channel: Channel) => Promise<T> | T): Promise<T> {
  const connection = await connect(URL);
  try {
    return await use(await connection.createChannel());
  } finally {
    await connection.close().catch(() => {});
  }
}

const queueDepth = (queue: string) => withChannel(async (c) => (await c.checkQueue(queue)).messageCount);

describe.skipIf(!available)("RabbitMQ triggers", () => {
  let h: TriggerHarness;
  const queues: string[] = [];
  const exchanges: string[] = [];
  afterAll(async () => {
    await withChannel(async (channel) => {
      for (const queue of queues) await channel.deleteQueue(queue);
      for (const exchange of exchanges) await channel.deleteExchange(exchange);
    });
  });
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const component = componentYaml;
  const subscription = (topic: string) =>
    echoSubscriptionYaml("orders", "rabbit-bus", topic, "order-{{.data.n}}");
  const event = (n: number) =>
    encodeEvent({ specversion: "1.0", id: `e${n}`, source: "test", type: "t", data: { n } });

  test("pubsub.rabbitmq: published messages start one workflow each and leave the queue empty", async () => {
    const topic = uniqueName("orders");
    const consumerID = uniqueName("weft");
    exchanges.push(topic);
    queues.push(`${consumerID}-${topic}`);
    const triggers = await h.startTriggers({
      "rabbit.yaml": component("rabbit-bus", "pubsub.rabbitmq", { connectionString: URL, consumerID }),
      "sub.yaml": subscription(topic),
    });
    for (let n = 0; n < 20; n++) await triggers.publish("rabbit-bus", topic, { body: event(n), id: `e${n}` });
    await eventually(
      async () => (await h.instances("order-")).length === 20 || undefined,
      20_000,
      "20 instances",
    );
    await eventually(async () => (await queueDepth(`${consumerID}-${topic}`)) === 0);
  });

  test("bindings.rabbitmq: a queue message starts a workflow, its message-id is the event id", async () => {
    const queue = uniqueName("jobs");
    queues.push(queue);
    await h.startTriggers({
      "binding.yaml": component("rabbit-jobs", "bindings.rabbitmq", {
        host: URL,
        queueName: queue,
        workflowName: "Echo",
      }),
    });
    const connection = await connect(URL);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ job: "resize" })), { messageId: "m-1" });
    await channel.waitForConfirms();
    await connection.close();
    const state = await eventually(() => h.service.get("rabbit-jobs-m-1"), 10_000, "the job's instance");
    expect(JSON.parse((await h.service.waitForCompletion(state.instanceId, 10_000)).output!)).toEqual({
      job: "resize",
    });
  });

  describe("broker restart while messages flow", () => {
    afterAll(async () => {
      // Whatever happened, leave RabbitMQ running for everyone else.
      await run("rabbitmqctl", ["start_app"]).catch(() => {});
    });

    test("nothing is lost and nothing is started twice", { timeout: 180_000 }, async () => {
      const topic = uniqueName("restart");
      const consumerID = uniqueName("weft");
      exchanges.push(topic);
      queues.push(`${consumerID}-${topic}`);
      const log = outcomeCounter();
      const triggers = await h.startTriggers(
        {
          "rabbit.yaml": component("rabbit-bus", "pubsub.rabbitmq", { connectionString: URL, consumerID }),
          "sub.yaml": subscription(topic),
        },
        { logger: log },
      );
      const total = await publishThroughRestart({
        publish: (n) => triggers.publish("rabbit-bus", topic, { body: event(n), id: `e${n}` }),
        restart: async () => {
          try {
            await run("rabbitmqctl", ["stop_app"]);
            await new Promise((r) => setTimeout(r, 1500));
          } finally {
            await run("rabbitmqctl", ["start_app"]);
          }
        },
        minimum: 150,
        restartAfter: 50,
      });
      // Publishes wait for the recovered channel, so the reconnect shows in the log, not as failed publishes.
      await expectEachStartedOnce(h, log, {
        prefix: "order-",
        total,
        lostConnection: "rabbitmq connection lost; reconnecting",
      });
      await eventually(async () => (await queueDepth(`${consumerID}-${topic}`)) === 0);
    });
  });
});
