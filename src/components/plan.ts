/**
 * Checks loaded resources as triggers and says what to build, before anything connects: which pub/sub
 * components, which subscriptions route where, which input bindings. Every mistake is a WeftError naming the
 * file and the field. Components Weft does not use (state stores, output bindings, ...) are listed as skipped.
 */
import { WeftError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { assertCronName, parseSchedule, type Schedule } from "./bindings/cron.js";
import type { InputBinding, PubSub } from "./brokers/broker.js";
import { InMemoryPubSub } from "./brokers/in-memory.js";
import { JetStreamBinding, JetStreamPubSub, readJetStreamSettings } from "./brokers/jetstream.js";
import { MqttBinding, MqttPubSub, readMqttSettings } from "./brokers/mqtt.js";
import {
  RabbitPubSub,
  RabbitQueueBinding,
  readRabbitBindingSettings,
  readRabbitPubSubSettings,
} from "./brokers/rabbitmq.js";
import { RedisStreamsBinding, RedisStreamsPubSub, readRedisSettings } from "./brokers/redis-streams.js";
import { MetadataReader } from "./metadata.js";
import type { ComponentResource, Resources } from "./resources.js";
import { readRoute, type WorkflowRoute } from "./route.js";

type Factory<T> = (logger: Logger) => T;

const PUBSUB_TYPES: Record<string, (md: MetadataReader, name: string) => Factory<PubSub>> = {
  "pubsub.redis": (md) => {
    const settings = readRedisSettings(md);
    return (logger) => new RedisStreamsPubSub(settings, logger);
  },
  "pubsub.jetstream": (md, name) => {
    const settings = readJetStreamSettings(md, name);
    return (logger) => new JetStreamPubSub(settings, logger);
  },
  "pubsub.rabbitmq": (md) => {
    const settings = readRabbitPubSubSettings(md);
    return (logger) => new RabbitPubSub(settings, logger);
  },
  "pubsub.mqtt3": (md, name) => {
    const settings = readMqttSettings(md, name);
    return (logger) => new MqttPubSub(settings, logger);
  },
  "pubsub.in-memory": () => () => new InMemoryPubSub(),
};

const BINDING_TYPES: Record<string, (md: MetadataReader, name: string) => Factory<InputBinding>> = {
  "bindings.redis.streams": (md) => {
    const stream = md.required("stream");
    const settings = readRedisSettings(md);
    return (logger) => new RedisStreamsBinding(settings, stream, logger);
  },
  "bindings.jetstream": (md, name) => {
    const subject = md.required("subject");
    const settings = readJetStreamSettings(md, name);
    return (logger) => new JetStreamBinding(settings, subject, logger);
  },
  "bindings.rabbitmq": (md) => {
    const settings = readRabbitBindingSettings(md);
    return (logger) => new RabbitQueueBinding(settings, logger);
  },
  "bindings.mqtt3": (md, name) => {
    const topic = md.required("topic");
    const settings = readMqttSettings(md, name);
    return (logger) => new MqttBinding(settings, topic, logger);
  },
};

export const SUPPORTED_TYPES = [...Object.keys(PUBSUB_TYPES), ...Object.keys(BINDING_TYPES), "bindings.cron"];

export interface PubSubPlan {
  name: string;
  type: string;
  file: string;
  create: Factory<PubSub>;
}

export interface SubscriptionPlan {
  name: string;
  pubsubName: string;
  topic: string;
  deadLetterTopic?: string;
  route: WorkflowRoute;
  file: string;
}

/** Where a binding's unprocessable messages go: a topic of a pub/sub component. */
export interface DeadLetterTarget {
  pubsubName: string;
  topic: string;
}

export interface BindingPlan {
  name: string;
  type: string;
  file: string;
  route: WorkflowRoute;
  deadLetter?: DeadLetterTarget;
  create: Factory<InputBinding>;
}

export interface CronPlan {
  name: string;
  file: string;
  schedule: Schedule;
  route: Extract<WorkflowRoute, { action: "start" }>;
}

export interface TriggerPlan {
  pubsubs: PubSubPlan[];
  subscriptions: SubscriptionPlan[];
  bindings: BindingPlan[];
  crons: CronPlan[];
  /** Components Weft loads but does not run, with the reason (for a log line). */
  skipped: { name: string; type: string; reason: string }[];
}

export function planTriggers(resources: Resources): TriggerPlan {
  const plan: TriggerPlan = { pubsubs: [], subscriptions: [], bindings: [], crons: [], skipped: [] };
  const deadLetters: { target: DeadLetterTarget; md: MetadataReader }[] = [];
  for (const component of resources.components) {
    const md = new MetadataReader(component.metadata, component.file);
    const [kind] = component.type.split(".");
    if (kind === "pubsub") {
      const read = PUBSUB_TYPES[component.type] ?? unsupported(component);
      plan.pubsubs.push({ ...identity(component), create: read(md, component.name) });
    } else if (kind === "bindings") {
      const direction = md.string("direction", "input");
      if (!direction.split(",").some((d) => d.trim() === "input")) {
        plan.skipped.push({ ...identity(component), reason: "output bindings are not used by Weft" });
        continue;
      }
      if (component.type === "bindings.cron") {
        plan.crons.push(readCron(component, md));
      } else {
        const read = BINDING_TYPES[component.type] ?? unsupported(component);
        const route = readRoute(md);
        const deadLetter = readDeadLetter(md);
        if (deadLetter) deadLetters.push({ target: deadLetter, md });
        plan.bindings.push({
          ...identity(component),
          route,
          ...(deadLetter ? { deadLetter } : {}),
          create: read(md, component.name),
        });
      }
    } else {
      plan.skipped.push({ ...identity(component), reason: `'${kind}' components are not used by triggers` });
      continue;
    }
    md.rejectUnknown();
  }
  const pubsubNames = plan.pubsubs.map((p) => p.name);
  for (const { target, md } of deadLetters) {
    if (!pubsubNames.includes(target.pubsubName))
      throw md.invalid("deadLetterPubsub", noSuchPubSub(target.pubsubName, pubsubNames));
  }
  const topics = new Map<string, string>();
  for (const subscription of resources.subscriptions) {
    const { file } = subscription;
    if (!pubsubNames.includes(subscription.pubsubName))
      throw new WeftError(
        "invalid_argument",
        `${file}: spec.pubsubname: ${noSuchPubSub(subscription.pubsubName, pubsubNames)}`,
      );
    // One consumer group per pubsub and topic: two subscriptions would compete for messages, not share them.
    const key = `${subscription.pubsubName}\u0000${subscription.topic}`;
    const previous = topics.get(key);
    if (previous)
      throw new WeftError(
        "invalid_argument",
        `${file}: spec.topic: topic '${subscription.topic}' of pubsub '${subscription.pubsubName}' is already ` +
          `routed by subscription '${previous}'`,
      );
    topics.set(key, subscription.name);
    const md = new MetadataReader(subscription.metadata, file);
    const route = readRoute(md);
    md.rejectUnknown();
    plan.subscriptions.push({
      name: subscription.name,
      pubsubName: subscription.pubsubName,
      topic: subscription.topic,
      ...(subscription.deadLetterTopic ? { deadLetterTopic: subscription.deadLetterTopic } : {}),
      route,
      file,
    });
  }
  return plan;
}

function readCron(component: ComponentResource, md: MetadataReader): CronPlan {
  // A tick's instance id is fixed (`<name>-<time>`): that is what makes ticks unique across nodes.
  for (const key of ["instanceIdTemplate", "onExists", "eventName"]) {
    if (md.has(key))
      throw md.invalid(key, "is not used by bindings.cron (each tick has its own instance id)");
  }
  const text = md.required("schedule");
  let schedule: Schedule;
  try {
    schedule = parseSchedule(text);
  } catch (error) {
    throw md.invalid("schedule", (error as Error).message);
  }
  if (!md.has("workflowName")) throw md.invalid("workflowName", "is required");
  const route = readRoute(md);
  if (route.action !== "start") throw md.invalid("workflowName", "is required");
  try {
    assertCronName(component.name);
  } catch (error) {
    throw new WeftError("invalid_argument", `${component.file}: metadata.name: ${(error as Error).message}`);
  }
  return { name: component.name, file: component.file, schedule, route };
}

function readDeadLetter(md: MetadataReader): DeadLetterTarget | undefined {
  const pubsubName = md.optional("deadLetterPubsub");
  const topic = md.optional("deadLetterTopic");
  if (!pubsubName && !topic) return undefined;
  if (!pubsubName) throw md.invalid("deadLetterPubsub", "is required with deadLetterTopic");
  if (!topic) throw md.invalid("deadLetterTopic", "is required with deadLetterPubsub");
  return { pubsubName, topic };
}

function identity(component: ComponentResource) {
  return { name: component.name, type: component.type, file: component.file };
}

function unsupported(component: ComponentResource): never {
  throw new WeftError(
    "invalid_argument",
    `${component.file}: spec.type: '${component.type}' is not supported; Weft runs ${SUPPORTED_TYPES.join(", ")}`,
  );
}

function noSuchPubSub(name: string, known: string[]): string {
  return `no pubsub component named '${name}'${known.length ? ` (defined: ${known.join(", ")})` : ""}`;
}
