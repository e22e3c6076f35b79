/**
 * `pubsub.redis` and `bindings.redis.streams` against the local Redis (127.0.0.1:6379).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { encodeEvent } from "../../src/components/cloud-event.js";
import { eventually } from "../eventually.js";
import {
  componentYaml,
  echoSubscriptionYaml,
  outcomeCounter,
  serviceAvailable,
  startHarness,
  type TriggerHarness,
  uniqueName,
} from "./harness.js";

const available = await serviceAvailable("Redis", 6379);
const run = promisify(execFile);
/** How /work/shared/services/start-services.sh starts the local Redis (no persistence). */
const REDIS_SERVER_ARGS = [
  "--daemonize",
  "yes",
  "--bind",
  "127.0.0.1",
  "-::1",
  "--port",
  "6379",
  "--save",
  "",
  "--appendonly",
  "no",
  "--dir",
  "/var/lib/redis",
  "--logfile",
  "/var/log/redis/ci.log",
];

async function startRedisIfDown(): Promise<void> {
  const probe = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, retryStrategy: () => null });
  probe.on("error", () => {});
  const up = await probe.connect().then(
    () => true,
    () => false,
  );
  probe.disconnect();
  if (!up) await run("redis-server", REDIS_SERVER_ARGS);
}

describe.skipIf(!available)("Redis Streams triggers", () => {
  let redis: Redis;
  let h: TriggerHarness;
  const keys: string[] = [];
  beforeAll(() => {
    redis = new Redis({ host: "127.0.0.1", port: 6379 });
    redis.on("error", () => {}); // the restart test stops Redis under this connection too
  });
  afterAll(async () => {
    // Whatever happened, leave Redis running for everyone else.
    await startRedisIfDown();
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const component = componentYaml;
  const subscription = (topic: string) =>
    echoSubscriptionYaml("orders", "redis-bus", topic, "{{.data.n}}-{{.id}}");

  test("pubsub.redis: published messages start one workflow each and are acked", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("group");
    keys.push(topic);
    const triggers = await h.startTriggers({
      "redis.yaml": component("redis-bus", "pubsub.redis", {
        redisHost: "127.0.0.1:6379",
        consumerID: group,
      }),
      "sub.yaml": subscription(topic),
    });
    for (let n = 0; n < 20; n++) {
      await triggers.publish("redis-bus", topic, {
        body: encodeEvent({ specversion: "1.0", id: `e${n}`, source: "test", type: "t", data: { n } }),
      });
    }
    await eventually(async () => (await h.instances()).length === 20 || undefined, 20_000, "20 instances");
    expect((await h.instances()).map((i) => i.instanceId).sort()).toEqual(
      Array.from({ length: 20 }, (_, n) => `${n}-e${n}`).sort(),
    );
    await eventually(
      async () => {
        const [count] = (await redis.xpending(topic, group)) as [number];
        return count === 0;
      },
      10_000,
      "no pending entries",
    );
  });

  test("an entry a crashed consumer left pending is claimed and processed once", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("group");
    keys.push(topic);
    await redis.xgroup("CREATE", topic, group, "0", "MKSTREAM");
    const event = { specversion: "1.0", id: "pending-1", source: "test", type: "t", data: { n: 1 } };
    await redis.xadd(topic, "*", "data", JSON.stringify(event));
    // A consumer that read the entry and died before acknowledging it.
    await redis.xreadgroup("GROUP", group, "dead-consumer", "COUNT", 10, "STREAMS", topic, ">");
    await h.startTriggers({
      "redis.yaml": component("redis-bus", "pubsub.redis", {
        redisHost: "127.0.0.1:6379",
        consumerID: group,
        processingTimeout: "300ms",
        redeliverInterval: "200ms",
      }),
      "sub.yaml": subscription(topic),
    });
    await eventually(() => h.service.get("1-pending-1"), 10_000, "the claimed entry's instance");
    await eventually(async () => ((await redis.xpending(topic, group)) as [number])[0] === 0);
    expect(await h.instances()).toHaveLength(1);
  });

  test("a Redis restart (without persistence) while messages flow: the consumer recovers, nothing starts twice", {
    timeout: 120_000,
  }, async () => {
    const topic = uniqueName("restart");
    keys.push(topic);
    const log = outcomeCounter();
    const triggers = await h.startTriggers(
      {
        "redis.yaml": component("redis-bus", "pubsub.redis", {
          redisHost: "127.0.0.1:6379",
          consumerID: uniqueName("group"),
          processingTimeout: "2s",
          redeliverInterval: "500ms",
        }),
        "sub.yaml": subscription(topic),
      },
      { logger: log },
    );
    const total = 120;
    let published = 0;
    let restartedAt = -1;
    const publisher = (async () => {
      for (let n = 0; n < total; n++) {
        const body = encodeEvent({ specversion: "1.0", id: `e${n}`, source: "test", type: "t", data: { n } });
        // ioredis holds commands while Redis is away and sends them once it is back.
        await triggers.publish("redis-bus", topic, { body });
        published++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await eventually(() => published >= 40, 30_000, "40 publishes");
    try {
      await run("redis-cli", ["shutdown", "nosave"]).catch(() => {}); // the connection drops as it stops
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await startRedisIfDown();
    }
    restartedAt = published;
    await publisher;
    // Entries still in the stream when Redis stopped died with it; everything published after is processed.
    const expected = Array.from(
      { length: total - restartedAt - 1 },
      (_, i) => `${restartedAt + 1 + i}-e${restartedAt + 1 + i}`,
    );
    await eventually(
      async () => {
        const ids = new Set((await h.instances()).map((i) => i.instanceId));
        return expected.every((id) => ids.has(id)) || undefined;
      },
      60_000,
      "every message published after the restart",
    );
    const instances = await h.instances();
    expect(log.outcomes.get("started")).toBe(instances.length);
    for (const instance of instances) {
      const history = await h.service.history(instance.instanceId);
      expect(history?.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
    }
  });

  test("bindings.redis.streams: plain entries become the data, the entry id the event id", async () => {
    const stream = uniqueName("jobs");
    keys.push(stream);
    await h.startTriggers({
      "binding.yaml": component("jobs", "bindings.redis.streams", {
        redisHost: "127.0.0.1:6379",
        stream,
        consumerID: uniqueName("group"),
        workflowName: "Echo",
        instanceIdTemplate: "job-{{.data.jobId}}",
      }),
    });
    const entryId = await redis.xadd(stream, "*", "jobId", "17", "kind", "resize");
    const state = await eventually(() => h.service.get("job-17"), 10_000, "instance job-17");
    const done = await h.service.waitForCompletion(state.instanceId, 10_000);
    expect(JSON.parse(done.output!)).toEqual({ jobId: "17", kind: "resize" });
    expect(done.metadata?.["weft.cloudevent.id"]).toBe(entryId);
    expect(done.metadata?.["weft.cloudevent.source"]).toBe("jobs");
  });
});
