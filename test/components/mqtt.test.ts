/**
 * `pubsub.mqtt3` and `bindings.mqtt3` against the local Mosquitto (127.0.0.1:1883): QoS 1 with a persistent
 * session, so messages published while Weft is away are delivered when it comes back.
 */
import mqtt from "mqtt";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "vitest";
import { encodeEvent } from "../../src/components/cloud-event.js";
import { eventually } from "../eventually.js";
import {
  componentYaml,
  echoSubscriptionYaml,
  expectEachStartedOnce,
  type LocalService,
  outcomeCounter,
  publishThroughRestart,
  restartService,
  serviceAvailable,
  startHarness,
  startServiceIfDown,
  type TriggerHarness,
  uniqueName,
} from "./harness.js";

const URL = "mqtt://127.0.0.1:1883";
const available = await serviceAvailable("Mosquitto", 1883);

/** The local Mosquitto, started as start-services.sh starts it; it saves its persistent sessions as it stops. */
const MOSQUITTO: LocalService = {
  port: 1883,
  stop: ["pkill", "-TERM", "-x", "mosquitto"],
  start: ["mosquitto", "-d", "-c", "/etc/mosquitto/mosquitto.conf"],
};

describe.skipIf(!available)("MQTT triggers", () => {
  let h: TriggerHarness;
  const sessions: string[] = [];
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  afterAll(async () => {
    // Whatever happened, leave Mosquitto running for everyone else.
    await startServiceIfDown(MOSQUITTO);
    // Connecting with a clean session discards what the broker kept for the test's client ids.
    for (const clientId of sessions) {
      const client = await mqtt.connectAsync(URL, { clientId, clean: true });
      await client.endAsync();
    }
  });

  const component = componentYaml;
  const subscription = (topic: string) =>
    echoSubscriptionYaml("readings", "mqtt-bus", topic, "reading-{{.data.n}}");
  const event = (n: number) =>
    encodeEvent({ specversion: "1.0", id: `r${n}`, source: "sensor", type: "t", data: { n } });

  test("pubsub.mqtt3: published messages start one workflow each", async () => {
    const topic = uniqueName("weft/readings");
    const consumerID = uniqueName("weft-mqtt");
    sessions.push(consumerID);
    const triggers = await h.startTriggers({
      "mqtt.yaml": component("mqtt-bus", "pubsub.mqtt3", { url: URL, consumerID }),
      "sub.yaml": subscription(topic),
    });
    for (let n = 0; n < 20; n++) await triggers.publish("mqtt-bus", topic, { body: event(n) });
    await eventually(
      async () => (await h.instances("reading-")).length === 20 || undefined,
      20_000,
      "20 instances",
    );
  });

  test("a Mosquitto restart while messages flow: nothing is lost, nothing starts twice", {
    timeout: 180_000,
  }, async () => {
    const topic = uniqueName("weft/restart");
    const consumerID = uniqueName("weft-mqtt");
    sessions.push(consumerID);
    const log = outcomeCounter();
    const triggers = await h.startTriggers(
      {
        "mqtt.yaml": component("mqtt-bus", "pubsub.mqtt3", { url: URL, consumerID }),
        "sub.yaml": subscription(topic),
      },
      { logger: log },
    );
    const total = await publishThroughRestart({
      publish: (n) => triggers.publish("mqtt-bus", topic, { body: event(n) }),
      restart: () => restartService(MOSQUITTO),
      minimum: 150,
      restartAfter: 50,
    });
    await expectEachStartedOnce(h, log, {
      prefix: "reading-",
      total,
      lostConnection: "mqtt broker unreachable; reconnecting",
    });
  });

  test("messages published while Weft is away arrive when it is back (persistent session)", async () => {
    const topic = uniqueName("weft/readings");
    const consumerID = uniqueName("weft-mqtt");
    sessions.push(consumerID);
    const files = {
      "mqtt.yaml": component("mqtt-bus", "pubsub.mqtt3", { url: URL, consumerID }),
      "sub.yaml": subscription(topic),
    };
    const first = await h.startTriggers(files);
    await first.close();
    const publisher = await mqtt.connectAsync(URL, { clientId: uniqueName("publisher") });
    for (let n = 0; n < 5; n++) await publisher.publishAsync(topic, event(n), { qos: 1 });
    await publisher.endAsync();
    await h.startTriggers(files);
    await eventually(
      async () => (await h.instances("reading-")).length === 5 || undefined,
      20_000,
      "5 instances",
    );
  });

  test("bindings.mqtt3: a plain payload on the topic starts a workflow", async () => {
    const topic = uniqueName("weft/jobs");
    const consumerID = uniqueName("weft-mqtt");
    sessions.push(consumerID);
    await h.startTriggers({
      "binding.yaml": component("mqtt-jobs", "bindings.mqtt3", {
        url: URL,
        topic,
        consumerID,
        workflowName: "Echo",
        instanceIdTemplate: "job-{{.data.id}}",
      }),
    });
    const publisher = await mqtt.connectAsync(URL, { clientId: uniqueName("publisher") });
    await publisher.publishAsync(topic, JSON.stringify({ id: 3, task: "thumbnail" }), { qos: 1 });
    await publisher.endAsync();
    const state = await eventually(() => h.service.get("job-3"), 10_000, "the job's instance");
    expect(JSON.parse((await h.service.waitForCompletion(state.instanceId, 10_000)).output!)).toEqual({
      id: 3,
      task: "thumbnail",
    });
  });
});
