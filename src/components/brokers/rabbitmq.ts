/**
 * RabbitMQ: `pubsub.rabbitmq` (as Dapr lays it out: an exchange per topic, a queue `<consumerID>-<topic>` per
 * consumer group bound to it) and `bindings.rabbitmq` (one queue). Publishes are persistent and confirmed;
 * deliveries are acked after the handler resolved, so unacked messages return to the queue when a connection
 * or the broker goes away. amqplib's connection recovery reconnects and the consumers are set up again.
 */
import {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  connect,
  type RecoveringChannelModel,
} from "amqplib";
import type { Logger } from "../../core/logger.js";
import type { MetadataReader } from "../metadata.js";
import type { BrokerMessage, InputBinding, MessageHandler, OutgoingMessage, PubSub } from "./broker.js";

export interface RabbitQueueSettings {
  url: string;
  durable: boolean;
  /** Delete the queue when its last consumer goes (Dapr's `deletedWhenUnused` / `deleteWhenUnused`). */
  autoDelete: boolean;
  prefetch: number;
}

export interface RabbitPubSubSettings extends RabbitQueueSettings {
  consumerID: string;
  exchangeKind: "fanout" | "topic" | "direct";
  persistent: boolean;
}

/** Dapr's `pubsub.rabbitmq` metadata; defaults favour at-least-once delivery (durable, persistent). */
export function readRabbitPubSubSettings(md: MetadataReader): RabbitPubSubSettings {
  return {
    url: md.required("connectionString"),
    consumerID: md.string("consumerID", "weft"),
    durable: md.bool("durable", true),
    autoDelete: md.bool("deletedWhenUnused", false),
    persistent: md.oneOf("deliveryMode", ["1", "2"], "2") === "2",
    prefetch: md.int("prefetchCount", 16, 1),
    exchangeKind: md.oneOf("exchangeKind", ["fanout", "topic", "direct"], "fanout"),
  };
}

/** Dapr's `bindings.rabbitmq` metadata (input side). */
export function readRabbitBindingSettings(md: MetadataReader): RabbitQueueSettings & { queue: string } {
  return {
    url: md.required("host"),
    queue: md.required("queueName"),
    durable: md.bool("durable", true),
    autoDelete: md.bool("deleteWhenUnused", false),
    prefetch: md.int("prefetchCount", 16, 1),
  };
}

type ConsumerSetup = (model: ChannelModel) => Promise<void>;

/** A recovering connection; consumers register a setup that runs now and after every reconnect. */
class RabbitClient {
  readonly #logger: Logger;
  readonly #connection: Promise<RecoveringChannelModel>;
  readonly #consumers: ConsumerSetup[] = [];
  readonly #channels = new Set<Channel>();
  /** Exchanges declared on each publishing channel. */
  readonly #declared = new WeakMap<Channel, Set<string>>();
  #model: ChannelModel | undefined;
  #publisher: Promise<ConfirmChannel> | undefined;
  #closed = false;

  constructor(url: string, logger: Logger) {
    this.#logger = logger;
    this.#connection = connect(url, {
      recovery: {
        initialDelay: 200,
        maxDelay: 5000,
        initialMaxRetries: 2,
        setup: async (model: ChannelModel) => {
          this.#model = model;
          for (const setup of this.#consumers) await setup(model);
        },
      },
    });
    this.#connection.then(
      (connection) => {
        connection.on("disconnect", (error: Error) => {
          this.#model = undefined;
          logger.warn({ err: error }, "rabbitmq connection lost; reconnecting");
        });
        connection.on("error", (error: Error) => logger.debug({ err: error }, "rabbitmq connection error"));
      },
      () => {}, // reported by the first caller that awaits it
    );
  }

  /** Publishes and waits for the broker's confirm; `declare` runs once per channel before the first publish. */
  async publish(
    exchange: string,
    routingKey: string,
    message: OutgoingMessage,
    options: { persistent: boolean; declare: (channel: Channel) => Promise<unknown> },
  ): Promise<void> {
    const channel = await this.#publishChannel();
    const declared = this.#declared.get(channel) ?? new Set<string>();
    this.#declared.set(channel, declared);
    if (!declared.has(exchange)) {
      await options.declare(channel);
      declared.add(exchange);
    }
    const persistent = options.persistent;
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        exchange,
        routingKey,
        message.body,
        { persistent, contentType: message.contentType, messageId: message.id },
        (error: unknown) => (error ? reject(error) : resolve()),
      );
    });
  }

  /** Declares what `declare` says on a fresh channel, then consumes `queue` (now and after each reconnect). */
  async consume(
    queue: string,
    prefetch: number,
    declare: (channel: Channel) => Promise<void>,
    handler: MessageHandler,
  ): Promise<void> {
    const setup: ConsumerSetup = async (model) => {
      const channel = await model.createChannel();
      this.#channels.add(channel);
      let open = true;
      channel.on("close", () => {
        open = false;
        this.#channels.delete(channel);
      });
      channel.on("error", (error: Error) =>
        this.#logger.debug({ err: error, queue }, "rabbitmq channel error"),
      );
      await channel.prefetch(prefetch);
      await declare(channel);
      let chain = Promise.resolve();
      await channel.consume(queue, (delivery) => {
        if (!delivery) return;
        chain = chain.then(() => (open ? deliver(channel, delivery, handler) : undefined));
      });
    };
    await this.#connection;
    this.#consumers.push(setup);
    if (this.#model) await setup(this.#model);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#channels].map((c) => c.close().catch(() => {})));
    const connection = await this.#connection.catch(() => undefined);
    await connection?.close().catch(() => {});
  }

  #publishChannel(): Promise<ConfirmChannel> {
    if (this.#closed) return Promise.reject(new Error("the rabbitmq component is closed"));
    this.#publisher ??= this.#connection.then(async (connection) => {
      const channel = await connection.createConfirmChannel();
      const forget = () => {
        this.#publisher = undefined;
      };
      channel.on("close", forget);
      channel.on("error", forget);
      return channel;
    });
    const publisher = this.#publisher;
    publisher.catch(() => {
      if (this.#publisher === publisher) this.#publisher = undefined;
    });
    return publisher;
  }
}

async function deliver(channel: Channel, delivery: ConsumeMessage, handler: MessageHandler): Promise<void> {
  const messageId = delivery.properties.messageId;
  const message: BrokerMessage = {
    body: delivery.content,
    ...(typeof messageId === "string" && messageId ? { id: messageId } : {}),
  };
  try {
    await handler(message);
  } catch {
    try {
      channel.nack(delivery, false, true);
    } catch {
      // the channel closed: the broker requeues the message itself
    }
    return;
  }
  try {
    channel.ack(delivery);
  } catch {
    // The channel closed before the ack: the broker redelivers, and the handler sees a duplicate.
  }
}

export class RabbitPubSub implements PubSub {
  readonly #settings: RabbitPubSubSettings;
  readonly #client: RabbitClient;

  constructor(settings: RabbitPubSubSettings, logger: Logger) {
    this.#settings = settings;
    this.#client = new RabbitClient(settings.url, logger);
  }

  publish(topic: string, message: OutgoingMessage): Promise<void> {
    const s = this.#settings;
    return this.#client.publish(topic, s.exchangeKind === "fanout" ? "" : topic, message, {
      persistent: s.persistent,
      declare: (channel) => channel.assertExchange(topic, s.exchangeKind, { durable: s.durable }),
    });
  }

  async subscribe(topic: string, handler: MessageHandler): Promise<void> {
    const s = this.#settings;
    const queue = `${s.consumerID}-${topic}`;
    await this.#client.consume(
      queue,
      s.prefetch,
      async (channel) => {
        await channel.assertExchange(topic, s.exchangeKind, { durable: s.durable });
        await channel.assertQueue(queue, { durable: s.durable, autoDelete: s.autoDelete });
        await channel.bindQueue(queue, topic, s.exchangeKind === "fanout" ? "" : topic);
      },
      handler,
    );
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

export class RabbitQueueBinding implements InputBinding {
  readonly #settings: RabbitQueueSettings & { queue: string };
  readonly #client: RabbitClient;

  constructor(settings: RabbitQueueSettings & { queue: string }, logger: Logger) {
    this.#settings = settings;
    this.#client = new RabbitClient(settings.url, logger);
  }

  start(handler: MessageHandler): Promise<void> {
    const s = this.#settings;
    return this.#client.consume(
      s.queue,
      s.prefetch,
      async (channel) => {
        await channel.assertQueue(s.queue, { durable: s.durable, autoDelete: s.autoDelete });
      },
      handler,
    );
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
