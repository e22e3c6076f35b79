/**
 * Cross-node wake-ups over LISTEN/NOTIFY. A batch that adds work or changes an instance's status notifies the
 * store's channel (delivered by PostgreSQL at commit, never for a rolled-back batch); every node listens on one
 * dedicated connection, so idle nodes sleep instead of polling. A lost connection is re-established with backoff,
 * and the store is told so it can look for work it may have missed meanwhile.
 */
import type pg from "pg";
import type { RuntimeStatus } from "../../core/history.js";
import type { Logger } from "../../core/logger.js";

export interface Notice {
  /** The node that sent it; a node ignores its own (it already acted on them). */
  node: string;
  /** Earliest time new inbox events become visible. */
  workflowsAt?: number;
  /** Earliest time new activities become visible. */
  activitiesAt?: number;
  /** Instances whose status changed, for clients waiting on another node. */
  changes?: [string, RuntimeStatus][];
}

/** PostgreSQL caps a payload at 8000 bytes; status changes beyond that go in further notices. */
const MAX_PAYLOAD = 7000;

export function encodeNotices(notice: Notice): string[] {
  const { changes = [], ...wake } = notice;
  const payloads: string[] = [];
  let current: Notice = wake;
  let size = 0;
  for (const change of changes) {
    const bytes = Buffer.byteLength(change[0]) + 32;
    if (current.changes && size + bytes > MAX_PAYLOAD) {
      payloads.push(JSON.stringify(current));
      current = { node: notice.node };
      size = 0;
    }
    current.changes ??= [];
    current.changes.push(change);
    size += bytes;
  }
  if (current.changes || current.workflowsAt !== undefined || current.activitiesAt !== undefined) {
    payloads.push(JSON.stringify(current));
  }
  return payloads;
}

export function decodeNotice(payload: string): Notice | undefined {
  try {
    const notice = JSON.parse(payload) as Notice;
    return typeof notice.node === "string" ? notice : undefined;
  } catch {
    return undefined;
  }
}

export interface ListenerOptions {
  client: () => pg.Client;
  channel: string;
  onNotice: (notice: Notice) => void;
  /** Called after a reconnect: notices may have been missed. */
  onReconnect: () => void;
  logger: Logger;
}

export class NotificationListener {
  readonly #options: ListenerOptions;
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = 100;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: ListenerOptions) {
    this.#options = options;
  }

  /** Connects and listens; the first attempt's failure is the caller's (the store cannot start without it). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = this.#options.client();
    client.on("notification", (message) => {
      if (message.channel !== this.#options.channel || !message.payload) return;
      const notice = decodeNotice(message.payload);
      if (notice) this.#options.onNotice(notice);
    });
    client.on("error", (error) => {
      this.#options.logger.warn(
        { err: error },
        "the PostgreSQL notification connection failed; reconnecting",
      );
      this.#lost(client);
    });
    client.on("end", () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.#options.channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
    this.#retryMs = 100;
  }

  #lost(client: pg.Client): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#connect().then(
        () => this.#options.onReconnect(),
        (error: unknown) => {
          this.#options.logger.warn({ err: error }, "reconnecting to PostgreSQL for notifications failed");
          this.#retryMs = Math.min(this.#retryMs * 2, 5000);
          this.#scheduleReconnect();
        },
      );
    }, this.#retryMs);
    this.#retryTimer.unref();
  }
}
