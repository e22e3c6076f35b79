/**
 * `pubsub.in-memory`: topics inside this process, for development and tests. Every subscription of a topic
 * gets each message, one at a time, in publish order; nothing survives a restart.
 */
import type { MessageHandler, OutgoingMessage, PubSub } from "./broker.js";

interface Subscription {
  handler: MessageHandler;
  /** The tail of this subscription's deliveries: each message waits for the one before it. */
  tail: Promise<void>;
}

export class InMemoryPubSub implements PubSub {
  readonly #topics = new Map<string, Subscription[]>();
  #closed = false;

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    if (this.#closed) throw new Error("the in-memory pubsub is closed");
    for (const subscription of this.#topics.get(topic) ?? []) {
      const body = Buffer.from(message.body);
      // A handler rejects only at shutdown; the message then goes with the process, as documented.
      subscription.tail = subscription.tail
        .then(() => (this.#closed ? undefined : subscription.handler({ body })))
        .catch(() => {});
    }
  }

  async subscribe(topic: string, handler: MessageHandler): Promise<void> {
    const subscriptions = this.#topics.get(topic) ?? [];
    subscriptions.push({ handler, tail: Promise.resolve() });
    this.#topics.set(topic, subscriptions);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#topics.values()].flat().map((s) => s.tail));
  }
}
