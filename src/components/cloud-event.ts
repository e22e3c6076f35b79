/**
 * CloudEvents 1.0 envelopes in structured JSON mode, as Dapr puts them on the wire: publishing wraps raw data
 * the way Dapr's publish API does; receiving parses a CloudEvent, or wraps a plain message in one whose id is
 * the broker's message id (or a hash of the body when the broker has none), so every message has an identity.
 */
import { createHash } from "node:crypto";
import { CloudEvent } from "cloudevents";
import { WeftError } from "../core/errors.js";

/** A CloudEvent as plain JSON: what brokers carry and what routes read. */
export interface EventRecord {
  specversion: string;
  id: string;
  source: string;
  type: string;
  datacontenttype?: string;
  data?: unknown;
  data_base64?: string;
  [attribute: string]: unknown;
}

/** Dapr's type for events its publish API wraps. */
export const PUBLISHED_EVENT_TYPE = "com.dapr.event.sent";
/** The type Weft gives a received message that was not a CloudEvent. */
export const RECEIVED_MESSAGE_TYPE = "weft.message.received";

export interface PublishEnvelopeOptions {
  pubsubName: string;
  topic: string;
  /** The request's content type; Dapr assumes text/plain when there is none. */
  contentType?: string;
  /** CloudEvent attributes set by `metadata.cloudevent.<name>` query parameters. */
  overrides?: Record<string, string>;
  /** W3C trace context of the request, copied into the envelope as Dapr does. */
  traceparent?: string;
  tracestate?: string;
  newId: () => string;
  source: string;
}

/** The envelope the publish API sends: the body as-is when it already is a CloudEvent, else wrapped. */
export function publishEnvelope(body: Buffer, options: PublishEnvelopeOptions): EventRecord {
  const contentType = (options.contentType ?? "text/plain").split(";")[0]!.trim().toLowerCase();
  const trace = {
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
    ...(options.tracestate ? { tracestate: options.tracestate } : {}),
  };
  const routing = { topic: options.topic, pubsubname: options.pubsubName };
  if (contentType === "application/cloudevents+json") {
    const given = parseJson(body);
    if (given === undefined || given === null || typeof given !== "object" || Array.isArray(given))
      throw new WeftError("invalid_argument", "the body is not a CloudEvent JSON object");
    return toRecord({ ...trace, ...(given as object), ...routing });
  }
  let data: unknown;
  if (isJsonType(contentType)) {
    data = parseJson(body);
    if (data === undefined) throw new WeftError("invalid_argument", `the body is not valid ${contentType}`);
  } else if (contentType.startsWith("text/")) data = body.toString("utf8");
  else data = body;
  return toRecord({
    specversion: "1.0",
    id: options.newId(),
    source: options.source,
    type: PUBLISHED_EVENT_TYPE,
    datacontenttype: options.contentType ?? "text/plain",
    data,
    ...trace,
    ...routing,
    ...options.overrides,
  });
}

/**
 * The event a received message carries. A JSON object with `specversion` must be a valid CloudEvent; anything
 * else is wrapped, with `id` = the broker's message id (or `sha256-<hash of the body>`) and `source` = `source`.
 */
export function receivedEvent(body: Uint8Array, fallback: { id?: string; source: string }): EventRecord {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const text = decodeUtf8(buffer);
  const json = text === undefined ? undefined : parseJson(buffer);
  if (json !== null && typeof json === "object" && !Array.isArray(json) && "specversion" in json)
    return toRecord(json as Record<string, unknown>);
  const id = fallback.id ?? `sha256-${createHash("sha256").update(buffer).digest("hex")}`;
  const content =
    json !== undefined
      ? { datacontenttype: "application/json", data: json }
      : text !== undefined
        ? { datacontenttype: "text/plain", data: text }
        : { datacontenttype: "application/octet-stream", data: buffer };
  return toRecord({
    specversion: "1.0",
    id,
    source: fallback.source,
    type: RECEIVED_MESSAGE_TYPE,
    ...content,
  });
}

export function encodeEvent(event: EventRecord): Buffer {
  return Buffer.from(JSON.stringify(event));
}

/** Identifies a message across redeliveries: CloudEvents promise `source` + `id` are unique per event. */
export function eventIdentity(event: EventRecord): string {
  return createHash("sha256")
    .update(JSON.stringify([event.source, event.id]))
    .digest("hex");
}

function toRecord(attributes: Record<string, unknown>): EventRecord {
  try {
    return new CloudEvent(attributes).toJSON() as EventRecord;
  } catch (error) {
    const problems = (error as { errors?: { message?: string }[] }).errors;
    const reason = Array.isArray(problems)
      ? problems.map((p) => p.message).join("; ")
      : (error as Error).message;
    throw new WeftError("invalid_argument", `not a valid CloudEvent: ${reason}`);
  }
}

function isJsonType(contentType: string): boolean {
  return contentType === "application/json" || contentType.endsWith("+json");
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(body: Buffer): string | undefined {
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}
