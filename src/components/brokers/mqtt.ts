/**
 * MQTT 3.1.1: `pubsub.mqtt3` and `bindings.mqtt3`, as Dapr names them. QoS 1 and a persistent session
 * (`cleanSession: false`) by default, so the broker keeps messages while Weft is away. The PUBACK for a message
 * is sent only after its handler resolved: mqtt.js calls `handleMessage` one message at a time and acks when
 * its callback runs, so an unprocessed message is redelivered when the session resumes.
 */
import { hostname } from "node:os";
import mqtt, { type IPublishPacket, type MqttClient } from "mqtt";
import type { Logger } from "../../core/logger.js";
import type { MetadataReader } from "../metadata.js";
import type { InputBinding, MessageHandler, OutgoingMessage, PubSub } from "./broker.js";

export interface MqttSettings {
  url: string;
  /** The MQTT client id, which names the persistent session: distinct per node. */
  clientId: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  cleanSession: boolean;
}

/** Dapr's `pubsub.mqtt3` / `bindings.mqtt3` metadata (the subset Weft implements). */
export function readMqttSettings(md: MetadataReader, componentName: string): MqttSettings {
  return {
    url: md.required("url"),
    clientId: md.string("consumerID", `weft-${componentName}-${hostname()}`),
    qos: Number(md.oneOf("qos", ["0", "1", "2"], "1")) as 0 | 1 | 2,
    retain: md.bool("retain", false),
    cleanSession: md.bool("cleanSession", false),
  };
}

class MqttConnection {
  readonly #settings: MqttSettings;
  readonly #client: MqttClient;
  readonly #subscriptions: { filter: string; handler: MessageHandler }[] = [];
  #closing = false;

  constructor(settings: MqttSettings, logger: Logger) {
    this.#settings = settings;
    this.#client = mqtt.connect(settings.url, {
      clientId: settings.clientId,
      clean: settings.cleanSession,
      reconnectPeriod: 1000,
      resubscribe: true,
    });
    this.#client.on("error", (error) => logger.debug({ err: error }, "mqtt client error"));
    this.#client.on("offline", () =>
      logger.warn({ url: settings.url }, "mqtt broker unreachable; reconnecting"),
    );
    this.#client.handleMessage = (packet, done) => {
      this.#handle(packet).then(
        () => done(),
        // Shutting down: no PUBACK, so the broker redelivers in the next session.
        () => {},
      );
    };
  }

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    if (this.#closing) throw new Error("the mqtt component is closed");
    await this.#client.publishAsync(topic, message.body, {
      qos: this.#settings.qos,
      retain: this.#settings.retain,
    });
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.#subscriptions.push({ filter, handler });
    await this.#client.subscribeAsync(filter, { qos: this.#settings.qos });
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#client.endAsync(true);
  }

  async #handle(packet: IPublishPacket): Promise<void> {
    const body = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    for (const { filter, handler } of this.#subscriptions) {
      if (topicMatches(filter, packet.topic)) await handler({ body });
    }
  }
}

/** MQTT topic filters: `+` matches one level, a trailing `#` any number. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export class MqttPubSub implements PubSub {
  readonly #connection: MqttConnection;

  constructor(settings: MqttSettings, logger: Logger) {
    this.#connection = new MqttConnection(settings, logger);
  }

  publish(topic: string, message: OutgoingMessage): Promise<void> {
    return this.#connection.publish(topic, message);
  }

  subscribe(topic: string, handler: MessageHandler): Promise<void> {
    return this.#connection.subscribe(topic, handler);
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}

export class MqttBinding implements InputBinding {
  readonly #connection: MqttConnection;
  readonly #topic: string;

  constructor(settings: MqttSettings, topic: string, logger: Logger) {
    this.#connection = new MqttConnection(settings, logger);
    this.#topic = topic;
  }

  start(handler: MessageHandler): Promise<void> {
    return this.#connection.subscribe(this.#topic, handler);
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
