/**
 * What a message broker gives the triggers: publish to a topic, consume a topic (pub/sub components) or a queue
 * (input bindings), acknowledging a message only after its handler resolved. Each broker module implements
 * these with its own client library; delivery is at least once everywhere.
 */

/** A message as the broker delivered it. */
export interface BrokerMessage {
  body: Uint8Array;
  /** The broker's own id for the message, the same on every redelivery (e.g. a Redis stream entry id). */
  id?: string;
}

/**
 * Processes one message. Resolving lets the broker forget it (ack); rejecting leaves it for redelivery.
 * Messages of one subscription reach their handler one at a time, in the order the broker delivers them.
 */
export type MessageHandler = (message: BrokerMessage) => Promise<void>;

export interface OutgoingMessage {
  body: Buffer;
  /** Lets brokers that deduplicate publishes (JetStream) or carry ids (AMQP) use it. */
  id?: string;
  contentType?: string;
}

/** A `pubsub.*` component. */
export interface PubSub {
  /** Resolves once the broker has the message (durably, where the broker offers that). */
  publish(topic: string, message: OutgoingMessage): Promise<void>;
  /** Starts consuming `topic` as this component's consumer group; returns once the consumer is set up. */
  subscribe(topic: string, handler: MessageHandler): Promise<void>;
  close(): Promise<void>;
}

/** A `bindings.*` input component backed by a broker queue, subject or topic. */
export interface InputBinding {
  start(handler: MessageHandler): Promise<void>;
  close(): Promise<void>;
}

/** Waits `ms`, or less if `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
