/**
 * `pubsub.jetstream` and `bindings.jetstream` against the local NATS server with JetStream (127.0.0.1:4222).
 */
import { AckPolicy, connect, type NatsConnection } from "nats";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
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

const available = await serviceAvailable("NATS JetStream", 4222);

/** The local NATS server, started as /work/shared/services/start-services.sh starts it. */
const NATS: LocalService = {
  port: 4222,
  stop: ["pkill", "-TERM", "-f", "nats-server -a 127.0.0.1 -p 4222"],
  start: [
    ...["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/nats-server", "--"],
    ..."-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log".split(" "),
  ],
};

describe.skipIf(!available)("NATS JetStream triggers", () => {
  let nc: NatsConnection;
  let h: TriggerHarness;
  const streams: string[] = [];
  beforeAll(async () => {
    nc = await connect({ servers: "127.0.0.1:4222" });
  });
  afterAll(async () => {
    // Whatever happened, leave NATS running for everyone else.
    await startServiceIfDown(NATS);
    const jsm = await nc.jetstreamManager();
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  });
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const component = componentYaml;
  const subscription = (subject: string) =>
    echoSubscriptionYaml("orders", "nats-bus", subject, "order-{{.data.n}}");
  const event = (n: number) =>
    encodeEvent({ specversion: "1.0", id: `e${n}`, source: "test", type: "t", data: { n } });

  test("pubsub.jetstream: published messages start one workflow each and are acked", async () => {
    const stream = uniqueName("weft-test").replaceAll("-", "_");
    const subject = `${stream}.orders`;
    streams.push(stream);
    const triggers = await h.startTriggers({
      "nats.yaml": component("nats-bus", "pubsub.jetstream", {
        natsURL: "nats://127.0.0.1:4222",
        streamName: stream,
      }),
      "sub.yaml": subscription(subject),
    });
    for (let n = 0; n < 20; n++) await triggers.publish("nats-bus", subject, { body: event(n), id: `e${n}` });
    await eventually(
      async () => (await h.instances("order-")).length === 20 || undefined,
      20_000,
      "20 instances",
    );
    const jsm = await nc.jetstreamManager();
    await eventually(
      async () => {
        const info = await jsm.consumers.info(stream, `weft-${subject.replaceAll(".", "_")}`);
        return info.num_ack_pending === 0 && info.num_pending === 0;
      },
      10_000,
      "every message acked",
    );
  });

  test("a NATS server restart while messages flow: nothing is lost, nothing starts twice", {
    timeout: 180_000,
  }, async () => {
    const stream = uniqueName("weft-test").replaceAll("-", "_");
    const subject = `${stream}.orders`;
    streams.push(stream);
    const log = outcomeCounter();
    const triggers = await h.startTriggers(
      {
        "nats.yaml": component("nats-bus", "pubsub.jetstream", {
          natsURL: "nats://127.0.0.1:4222",
          streamName: stream,
        }),
        "sub.yaml": subscription(subject),
      },
      { logger: log },
    );
    const total = await publishThroughRestart({
      publish: (n) => triggers.publish("nats-bus", subject, { body: event(n), id: `e${n}` }),
      restart: () => restartService(NATS),
      minimum: 150,
      restartAfter: 50,
    });
    await expectEachStartedOnce(h, log, {
      prefix: "order-",
      total,
      lostConnection: "nats connection lost; reconnecting",
    });
    const jsm = await nc.jetstreamManager();
    await eventually(
      async () =>
        (await jsm.consumers.info(stream, `weft-${subject.replaceAll(".", "_")}`)).num_ack_pending === 0,
      30_000,
      "every message acked",
    );
  });

  test("a message a crashed node fetched but never acked is redelivered and processed once", async () => {
    const stream = uniqueName("weft-test").replaceAll("-", "_");
    const subject = `${stream}.orders`;
    streams.push(stream);
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    const durable = `weft-${subject.replaceAll(".", "_")}`;
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      ack_wait: 1_000_000_000,
    });
    await nc.jetstream().publish(subject, event(1));
    // The crashed node: it fetched the message and went away without acking.
    const fetched = await (await nc.jetstream().consumers.get(stream, durable)).fetch({ max_messages: 1 });
    for await (const _ of fetched) break;
    await h.startTriggers({
      "nats.yaml": component("nats-bus", "pubsub.jetstream", {
        natsURL: "nats://127.0.0.1:4222",
        streamName: stream,
      }),
      "sub.yaml": subscription(subject),
    });
    await eventually(() => h.service.get("order-1"), 15_000, "the redelivered message's instance");
    await eventually(async () => (await jsm.consumers.info(stream, durable)).num_ack_pending === 0);
    expect(await h.instances("order-")).toHaveLength(1);
  });

  test("bindings.jetstream: a plain payload is wrapped, with the stream sequence as its id", async () => {
    const stream = uniqueName("weft-test").replaceAll("-", "_");
    const subject = `${stream}.jobs`;
    streams.push(stream);
    await h.startTriggers({
      "binding.yaml": component("nats-jobs", "bindings.jetstream", {
        natsURL: "nats://127.0.0.1:4222",
        streamName: stream,
        subject,
        workflowName: "Echo",
      }),
    });
    const ack = await nc.jetstream().publish(subject, new TextEncoder().encode("resize photo 9"));
    const state = await eventually(() => h.service.get(`nats-jobs-${ack.seq}`), 10_000, "the job's instance");
    expect(JSON.parse((await h.service.waitForCompletion(state.instanceId, 10_000)).output!)).toBe(
      "resize photo 9",
    );
  });
});
