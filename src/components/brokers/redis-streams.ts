/**
 * Redis Streams: `pubsub.redis` (Dapr's format: XADD <topic> * data <CloudEvent>) and the Weft input binding
 * `bindings.redis.streams` (any stream). Consumers read in a consumer group and XACK after the handler
 * resolved; entries another consumer left pending longer than `processingTimeout` (it crashed, or Redis dropped
 * the connection mid-way) are claimed with XAUTOCLAIM and processed again.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../../core/logger.js";
import type { MetadataReader } from "../metadata.js";
import {
  type InputBinding,
  type MessageHandler,
  type OutgoingMessage,
  type PubSub,
  sleep,
} from "./broker.js";

export interface RedisStreamsSettings {
  connection: RedisOptions;
  /** Consumer group name (Dapr's `consumerID`). */
  group: string;
  processingTimeoutMs: number;
  redeliverIntervalMs: number;
  queueDepth: number;
  maxLenApprox?: number;
}

/** Reads the metadata Dapr's `pubsub.redis` uses (the subset Weft implements). */
export function readRedisSettings(md: MetadataReader): RedisStreamsSettings {
  const [host, port] = md.required("redisHost").split(":");
  const maxLen = md.int("maxLenApprox", 0, 0);
  return {
    connection: {
      host,
      port: Number(port ?? 6379),
      username: md.optional("redisUsername"),
      password: md.optional("redisPassword"),
      db: md.int("redisDB", 0, 0),
      ...(md.bool("enableTLS", false) ? { tls: {} } : {}),
    },
    group: md.string("consumerID", "weft"),
    processingTimeoutMs: md.duration("processingTimeout", 60_000),
    redeliverIntervalMs: md.duration("redeliverInterval", 15_000),
    queueDepth: md.int("queueDepth", 100, 1),
    ...(maxLen > 0 ? { maxLenApprox: maxLen } : {}),
  };
}

export class RedisStreamsPubSub implements PubSub {
  readonly #settings: RedisStreamsSettings;
  readonly #logger: Logger;
  readonly #publisher: Redis;
  readonly #consumers: StreamConsumer[] = [];

  constructor(settings: RedisStreamsSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
    this.#publisher = connect(settings.connection, logger);
  }

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    const trim = this.#settings.maxLenApprox ? ["MAXLEN", "~", this.#settings.maxLenApprox] : [];
    await this.#publisher.call("XADD", [topic, ...trim, "*", "data", message.body]);
  }

  async subscribe(topic: string, handler: MessageHandler): Promise<void> {
    const consumer = new StreamConsumer(this.#settings, topic, handler, this.#logger);
    this.#consumers.push(consumer);
    await consumer.start();
  }

  async close(): Promise<void> {
    await Promise.all(this.#consumers.map((c) => c.close()));
    this.#publisher.disconnect();
  }
}

export class RedisStreamsBinding implements InputBinding {
  readonly #consumer: (handler: MessageHandler) => StreamConsumer;
  #running: StreamConsumer | undefined;

  constructor(settings: RedisStreamsSettings, stream: string, logger: Logger) {
    this.#consumer = (handler) => new StreamConsumer(settings, stream, handler, logger);
  }

  async start(handler: MessageHandler): Promise<void> {
    this.#running = this.#consumer(handler);
    await this.#running.start();
  }

  async close(): Promise<void> {
    await this.#running?.close();
  }
}

class StreamConsumer {
  readonly #settings: RedisStreamsSettings;
  readonly #stream: string;
  readonly #handler: MessageHandler;
  readonly #logger: Logger;
  /** Each process is a new consumer in the group; what a dead one left pending is claimed by idle time. */
  readonly #name = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #redis: Redis;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(settings: RedisStreamsSettings, stream: string, handler: MessageHandler, logger: Logger) {
    this.#settings = settings;
    this.#stream = stream;
    this.#handler = handler;
    this.#logger = logger;
    // Blocking reads need a connection of their own.
    this.#redis = connect(settings.connection, logger);
  }

  async start(): Promise<void> {
    await this.#ensureGroup();
    this.#loop = this.#run();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#redis.disconnect();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let lastClaim = 0;
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      try {
        if (Date.now() - lastClaim >= this.#settings.redeliverIntervalMs) {
          lastClaim = Date.now();
          await this.#claimAbandoned();
        }
        const reply = await this.#redis.callBuffer("XREADGROUP", [
          "GROUP",
          this.#settings.group,
          this.#name,
          "COUNT",
          this.#settings.queueDepth,
          "BLOCK",
          Math.min(1000, this.#settings.redeliverIntervalMs),
          "STREAMS",
          this.#stream,
          ">",
        ]);
        for (const [id, fields] of streamEntries(reply)) await this.#process(id, fields);
        failures = 0;
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        // After a Redis restart without persistence the group is gone: make it again and carry on.
        if (String((error as Error).message).includes("NOGROUP")) await this.#ensureGroup().catch(() => {});
        else this.#logger.warn({ stream: this.#stream, err: error }, "redis stream read failed; retrying");
        await sleep(Math.min(100 * 2 ** failures++, 5000), this.#stop.signal);
      }
    }
  }

  async #claimAbandoned(): Promise<void> {
    let cursor = "0-0";
    do {
      const reply = await this.#redis.callBuffer("XAUTOCLAIM", [
        this.#stream,
        this.#settings.group,
        this.#name,
        this.#settings.processingTimeoutMs,
        cursor,
        "COUNT",
        this.#settings.queueDepth,
      ]);
      const [next, entries] = reply as [Buffer, unknown];
      cursor = next.toString();
      for (const [id, fields] of entryList(entries)) await this.#process(id, fields);
    } while (cursor !== "0-0" && !this.#stop.signal.aborted);
  }

  async #process(id: string, fields: Buffer[]): Promise<void> {
    if (this.#stop.signal.aborted) return;
    try {
      await this.#handler({ id, body: entryBody(fields) });
    } catch {
      return; // shutting down: the entry stays pending and is claimed later
    }
    for (let attempt = 0; !this.#stop.signal.aborted; attempt++) {
      try {
        await this.#redis.call("XACK", [this.#stream, this.#settings.group, id]);
        return;
      } catch (error) {
        // The group vanished with a Redis restart: nothing is pending any more.
        if (String((error as Error).message).includes("NOGROUP")) return;
        await sleep(Math.min(100 * 2 ** attempt, 5000), this.#stop.signal);
      }
    }
  }

  async #ensureGroup(): Promise<void> {
    try {
      // From the start of the stream: messages published before the first subscriber are not skipped.
      await this.#redis.call("XGROUP", ["CREATE", this.#stream, this.#settings.group, "0", "MKSTREAM"]);
    } catch (error) {
      if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
    }
  }
}

function connect(options: RedisOptions, logger: Logger): Redis {
  // RESP2: stream replies keep their documented nesting (RESP3 turns them into maps).
  const redis = new Redis({ ...options, protocol: 2, maxRetriesPerRequest: null });
  redis.on("error", (error) => logger.debug({ err: error }, "redis connection error"));
  return redis;
}

type Entry = [id: string, fields: Buffer[]];

function streamEntries(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((stream) => entryList((stream as [Buffer, unknown])[1]));
}

/** Entries deleted from the stream while pending come back with null fields; they are skipped. */
function entryList(entries: unknown): Entry[] {
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((e): e is [Buffer, Buffer[]] => Array.isArray(e) && Array.isArray(e[1]))
    .map(([id, fields]) => [id.toString(), fields]);
}

/** Dapr's entries carry the message in field `data`; any other entry becomes a JSON object of its fields. */
function entryBody(fields: Buffer[]): Uint8Array {
  if (fields.length === 2 && fields[0]!.toString() === "data") return fields[1]!;
  const object: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) object[fields[i]!.toString()] = fields[i + 1]!.toString();
  return Buffer.from(JSON.stringify(object));
}
