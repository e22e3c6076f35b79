/**
 * Loading and checking trigger resources: every mistake names the file and the field; secrets come from the
 * environment; components Weft does not run are skipped, not refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { planTriggers, type TriggerPlan } from "../../src/components/plan.js";
import { loadResources } from "../../src/components/resources.js";
import { InstanceIdTemplate, toInstanceId } from "../../src/components/template.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function plan(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<TriggerPlan> {
  const dir = mkdtempSync(join(tmpdir(), "weft-resources-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return planTriggers(await loadResources(dir, env));
}

const redis = (metadata: string) => `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: bus }
spec:
  type: pubsub.redis
  version: v1
  metadata:
    - { name: redisHost, value: "127.0.0.1:6379" }
${metadata}`;

const subscription = (spec: string) => `
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: orders }
spec:
${spec}`;

describe("valid resources", () => {
  test("a pubsub, a subscription and a binding become a plan; other components are skipped", async () => {
    const result = await plan({
      "bus.yaml": redis(""),
      "sub.yaml": subscription(`  pubsubname: bus
  topic: orders
  deadLetterTopic: poison
  metadata:
    workflowName: OrderWorkflow
    onExists: terminate-and-restart`),
      "state.yaml": `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: statestore }
spec:
  type: state.redis
  version: v1
  metadata: [{ name: actorStateStore, value: "true" }]
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: notify }
spec:
  type: bindings.http
  version: v1
  metadata: [{ name: direction, value: output }, { name: url, value: "http://x" }]
`,
    });
    expect(result.pubsubs.map((p) => p.name)).toEqual(["bus"]);
    expect(result.subscriptions[0]).toMatchObject({
      name: "orders",
      pubsubName: "bus",
      topic: "orders",
      deadLetterTopic: "poison",
      route: { action: "start", workflowName: "OrderWorkflow", onExists: "terminate-and-restart" },
    });
    expect(result.skipped.map((s) => s.name).sort()).toEqual(["notify", "statestore"]);
  });

  test("secretKeyRef reads the environment variable it names", async () => {
    const result = await plan(
      {
        "bus.yaml": redis(`    - name: redisPassword
      secretKeyRef: { name: REDIS_PASSWORD, key: REDIS_PASSWORD }`),
      },
      { REDIS_PASSWORD: "s3cret" },
    );
    expect(result.pubsubs).toHaveLength(1);
    await expect(
      plan({
        "bus.yaml": redis(`    - name: redisPassword
      secretKeyRef: { name: REDIS_PASSWORD }`),
      }),
    ).rejects.toThrow(
      /bus\.yaml: spec\.metadata\[1\]\.secretKeyRef\.name: environment variable 'REDIS_PASSWORD' is not set/,
    );
  });
});

describe("mistakes name the file and the field", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      "a subscription without a topic",
      {
        "bus.yaml": redis(""),
        "sub.yaml": subscription("  pubsubname: bus\n  metadata: { workflowName: W }"),
      },
      /sub\.yaml: spec\.topic: /,
    ],
    [
      "a subscription with Dapr app routes",
      {
        "bus.yaml": redis(""),
        "sub.yaml": subscription("  pubsubname: bus\n  topic: t\n  routes: { default: /orders }"),
      },
      /sub\.yaml: spec\.routes: Weft delivers messages to workflows/,
    ],
    [
      "a subscription to a pubsub that does not exist",
      {
        "bus.yaml": redis(""),
        "sub.yaml": subscription("  pubsubname: kafka\n  topic: t\n  metadata: { workflowName: W }"),
      },
      /sub\.yaml: spec\.pubsubname: no pubsub component named 'kafka' \(defined: bus\)/,
    ],
    [
      "a subscription that routes nowhere",
      { "bus.yaml": redis(""), "sub.yaml": subscription("  pubsubname: bus\n  topic: t") },
      /sub\.yaml: spec\.metadata\.workflowName: is required/,
    ],
    [
      "a misspelt routing key",
      {
        "bus.yaml": redis(""),
        "sub.yaml": subscription(
          "  pubsubname: bus\n  topic: t\n  metadata: { workflowName: W, onexists: error }",
        ),
      },
      /sub\.yaml: spec\.metadata\.onexists: is not a known field here/,
    ],
    [
      "an unknown onExists policy",
      {
        "bus.yaml": redis(""),
        "sub.yaml": subscription(
          "  pubsubname: bus\n  topic: t\n  metadata: { workflowName: W, onExists: replace }",
        ),
      },
      /sub\.yaml: spec\.metadata\.onExists: must be one of ignore, terminate-and-restart, error, raise-event/,
    ],
    [
      "raise-event without the event's name",
      {
        "bus.yaml": redis(""),
        "sub.yaml": subscription(
          "  pubsubname: bus\n  topic: t\n  metadata: { workflowName: W, onExists: raise-event }",
        ),
      },
      /sub\.yaml: spec\.metadata\.eventName: is required when onExists is raise-event/,
    ],
    [
      "raising an event without saying on which instance",
      {
        "bus.yaml": redis(""),
        "sub.yaml": subscription("  pubsubname: bus\n  topic: t\n  metadata: { eventName: e }"),
      },
      /sub\.yaml: spec\.metadata\.instanceIdTemplate: is required to raise an event/,
    ],
    [
      "a broken instance id template",
      {
        "bus.yaml": redis(""),
        "sub.yaml": subscription(
          "  pubsubname: bus\n  topic: t\n  metadata: { workflowName: W, instanceIdTemplate: 'order-{{data.id}}' }",
        ),
      },
      /sub\.yaml: spec\.metadata\.instanceIdTemplate: 'data\.id' is not a field path/,
    ],
    [
      "two subscriptions for one topic",
      {
        "bus.yaml": redis(""),
        "a.yaml": subscription("  pubsubname: bus\n  topic: t\n  metadata: { workflowName: W }"),
        "b.yaml": subscription("  pubsubname: bus\n  topic: t\n  metadata: { workflowName: V }").replace(
          "name: orders",
          "name: others",
        ),
      },
      /b\.yaml: spec\.topic: topic 't' of pubsub 'bus' is already routed by subscription 'orders'/,
    ],
    [
      "an unsupported pubsub type",
      { "bus.yaml": redis("").replace("pubsub.redis", "pubsub.kafka") },
      /bus\.yaml: spec\.type: 'pubsub\.kafka' is not supported; Weft runs pubsub\.redis, /,
    ],
    [
      "a component without a required field",
      {
        "bus.yaml": redis("").replace(
          '    - { name: redisHost, value: "127.0.0.1:6379" }\n',
          "    - { name: consumerID, value: c }\n",
        ),
      },
      /bus\.yaml: spec\.metadata\.redisHost: is required/,
    ],
    [
      "a component option Weft does not implement",
      { "bus.yaml": redis("    - { name: enableTLSv2, value: 'true' }") },
      /bus\.yaml: spec\.metadata\.enableTLSv2: is not a known field here \(known: .*redisPassword/,
    ],
    [
      "a bad duration",
      { "bus.yaml": redis("    - { name: processingTimeout, value: '60' }") },
      /bus\.yaml: spec\.metadata\.processingTimeout: must be a duration such as 500ms, 30s or 1m/,
    ],
    [
      "a cron binding with a bad schedule",
      {
        "cron.yaml": `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: nightly }
spec:
  type: bindings.cron
  version: v1
  metadata: [{ name: schedule, value: "@every 1.5s" }, { name: workflowName, value: W }]
`,
      },
      /cron\.yaml: spec\.metadata\.schedule: '1\.5s' is not a duration of whole seconds/,
    ],
    [
      "a cron binding given an instance id template",
      {
        "cron.yaml": `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: nightly }
spec:
  type: bindings.cron
  version: v1
  metadata:
    - { name: schedule, value: "@daily" }
    - { name: workflowName, value: W }
    - { name: instanceIdTemplate, value: "x" }
`,
      },
      /cron\.yaml: spec\.metadata\.instanceIdTemplate: is not used by bindings\.cron/,
    ],
    [
      "a binding's dead-letter pubsub that does not exist",
      {
        "jobs.yaml": `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: jobs }
spec:
  type: bindings.rabbitmq
  version: v1
  metadata:
    - { name: host, value: "amqp://127.0.0.1" }
    - { name: queueName, value: jobs }
    - { name: workflowName, value: W }
    - { name: deadLetterPubsub, value: missing }
    - { name: deadLetterTopic, value: dead }
`,
      },
      /jobs\.yaml: spec\.metadata\.deadLetterPubsub: no pubsub component named 'missing'/,
    ],
  ];
  test.each(cases)("%s", async (_, files, message) => {
    await expect(plan(files)).rejects.toThrow(message);
  });
});

describe("instance ids from templates", () => {
  test("characters outside Dapr's alphabet become dashes; long ids keep a hash of the whole text", () => {
    expect(toInstanceId("/shop/eu-42")).toBe("shop-eu-42");
    expect(toInstanceId("ünïcødé_ok")).toBe("ünïcødé_ok");
    const long = `order-${"x".repeat(100)}`;
    const id = toInstanceId(long);
    expect(Array.from(id)).toHaveLength(64);
    expect(id).not.toBe(toInstanceId(`${long}y`));
    expect(toInstanceId(long)).toBe(id);
    expect(() => toInstanceId("///")).toThrow(/empty instance id/);
  });

  test("a template reads event fields; a missing field is an error naming it", () => {
    const template = InstanceIdTemplate.parse("{{.source}}:{{.data.order.id}}");
    expect(template.render({ source: "shop", data: { order: { id: 7 } } })).toBe("shop-7");
    expect(() => template.render({ source: "shop", data: {} })).toThrow(/\.data\.order\.id is missing/);
    expect(() => template.render({ source: "shop", data: { order: { id: { a: 1 } } } })).toThrow(
      /not a string, number or boolean/,
    );
  });
});
