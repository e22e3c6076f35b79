/**
 * NATS JetStream: `pubsub.jetstream` (a topic is a subject) and the Weft input binding `bindings.jetstream`.
 * Subjects live in one stream per component (created, or extended with the subject, when missing); each
 * subscription is a durable pull consumer with explicit acks, acked after the handler resolved, so a crash or a
 * server restart redelivers what was not processed. Publishes carry `Nats-Msg-Id`, so a retried publish is
 * stored once within the stream's duplicate window.
 */
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  Events,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  nanos,
  StorageType,
} from "nats";
import type { Logger } from "../../core/logger.js";
import type { MetadataReader } from "../metadata.js";
import type { InputBinding, MessageHandler, OutgoingMessage, PubSub } from "./broker.js";

export interface JetStreamSettings {
  servers: string;
  connectionName?: string;
  token?: string;
  streamName: string;
  durableName: string;
  ackWaitMs: number;
  /** -1: redeliver until acked. */
  maxDeliver: number;
}

/** Dapr's `pubsub.jetstream` metadata (the subset Weft implements); the stream defaults to the component name. */
export function readJetStreamSettings(md: MetadataReader, componentName: string): JetStreamSettings {
  return {
    servers: md.required("natsURL"),
    connectionName: md.optional("name"),
    token: md.optional("token"),
    streamName: natsName(md.string("streamName", componentName)),
    durableName: natsName(md.string("durableName", "weft")),
    ackWaitMs: md.duration("ackWait", 30_000),
    maxDeliver: md.int("maxDeliver", -1, -1),
  };
}

/** One connection per component, shared by its publisher and consumers. */
class JetStreamClient {
  readonly settings: JetStreamSettings;
  readonly #logger: Logger;
  readonly #connection: Promise<NatsConnection>;
  readonly #subjects = new Map<string, Promise<void>>();
  readonly #consumers: { close(): Promise<unknown> }[] = [];
  readonly #loops: Promise<void>[] = [];

  constructor(settings: JetStreamSettings, logger: Logger) {
    this.settings = settings;
    this.#logger = logger;
    this.#connection = connect({
      servers: settings.servers,
      name: settings.connectionName,
      token: settings.token,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    this.#connection.then(
      (nc) => void this.#watchStatus(nc),
      () => {}, // reported by the first caller that awaits it
    );
  }

  /** Reports lost and restored connections; the client reconnects by itself. */
  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) {
        this.#logger.warn({ server: status.data }, "nats connection lost; reconnecting");
      } else if (status.type === Events.Reconnect) {
        this.#logger.info({ server: status.data }, "nats connection restored");
      }
    }
  }

  async publish(subject: string, message: OutgoingMessage): Promise<void> {
    const nc = await this.#ready(subject);
    await nc.jetstream().publish(subject, message.body, message.id ? { msgID: message.id } : undefined);
  }

  async consume(subject: string, handler: MessageHandler): Promise<void> {
    const nc = await this.#ready(subject);
    const jsm = await nc.jetstreamManager();
    const durable = natsName(`${this.settings.durableName}-${subject}`);
    await ensureConsumer(jsm, this.settings, durable, subject);
    const messages = await nc.jetstream().consumers.get(this.settings.streamName, durable);
    const iterator = await messages.consume({ max_messages: 64 });
    this.#consumers.push(iterator);
    this.#loops.push(
      (async () => {
        for await (const message of iterator) {
          if (!(await this.#handle(message, handler))) break;
        }
      })().catch((error) => this.#logger.error({ subject, err: error }, "jetstream consumer stopped")),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#consumers.map((c) => c.close()));
    await Promise.all(this.#loops);
    const nc = await this.#connection.catch(() => undefined);
    await nc?.drain().catch(() => nc.close());
  }

  /** False when the handler gave up (shutdown): the message is handed back and consuming stops. */
  async #handle(message: JsMsg, handler: MessageHandler): Promise<boolean> {
    // Long retries must not let the ack deadline pass, or the server would hand the message out again.
    const keepAlive = setInterval(() => message.working(), Math.max(this.settings.ackWaitMs / 3, 100));
    try {
      await handler({ id: String(message.seq), body: message.data });
    } catch {
      message.nak();
      return false;
    } finally {
      clearInterval(keepAlive);
    }
    // A lost ack only means a redelivery, which the handler treats as a duplicate.
    await message.ackAck().catch(() => false);
    return true;
  }

  async #ready(subject: string): Promise<NatsConnection> {
    const nc = await this.#connection;
    let ensured = this.#subjects.get(subject);
    if (!ensured) {
      ensured = nc
        .jetstreamManager()
        .then((jsm) => ensureStreamSubject(jsm, this.settings.streamName, subject));
      this.#subjects.set(subject, ensured);
      ensured.catch(() => this.#subjects.delete(subject));
    }
    await ensured;
    return nc;
  }
}

export class JetStreamPubSub implements PubSub {
  readonly #client: JetStreamClient;

  constructor(settings: JetStreamSettings, logger: Logger) {
    this.#client = new JetStreamClient(settings, logger);
  }

  publish(topic: string, message: OutgoingMessage): Promise<void> {
    return this.#client.publish(topic, message);
  }

  subscribe(topic: string, handler: MessageHandler): Promise<void> {
    return this.#client.consume(topic, handler);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

export class JetStreamBinding implements InputBinding {
  readonly #client: JetStreamClient;
  readonly #subject: string;

  constructor(settings: JetStreamSettings, subject: string, logger: Logger) {
    this.#client = new JetStreamClient(settings, logger);
    this.#subject = subject;
  }

  start(handler: MessageHandler): Promise<void> {
    return this.#client.consume(this.#subject, handler);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

async function ensureStreamSubject(jsm: JetStreamManager, stream: string, subject: string): Promise<void> {
  const info = await jsm.streams.info(stream).catch((error: Error) => {
    if (/not found/i.test(error.message)) return undefined;
    throw error;
  });
  if (!info) {
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
    return;
  }
  const subjects = info.config.subjects ?? [];
  if (!subjects.includes(subject))
    await jsm.streams.update(stream, { ...info.config, subjects: [...subjects, subject] });
}

async function ensureConsumer(
  jsm: JetStreamManager,
  settings: JetStreamSettings,
  durable: string,
  subject: string,
): Promise<void> {
  const exists = await jsm.consumers.info(settings.streamName, durable).then(
    () => true,
    (error: Error) => {
      if (/not found/i.test(error.message)) return false;
      throw error;
    },
  );
  if (exists) return;
  await jsm.consumers.add(settings.streamName, {
    durable_name: durable,
    filter_subject: subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.maxDeliver,
  });
}

/** Stream and consumer names cannot hold `.`, `*`, `>`, slashes or whitespace. */
function natsName(text: string): string {
  return text.replace(/[.*>/\\\s]/g, "_");
}
