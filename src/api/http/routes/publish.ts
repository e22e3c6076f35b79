/**
 * Dapr's publish API as a fastify plugin for the HTTP app (`plugins` option):
 * `POST|PUT /v1.0/publish/{pubsubname}/{topic}` wraps the body in a CloudEvent (or passes a
 * `application/cloudevents+json` body through) and answers 204 once the broker has the message. Query
 * parameters: `metadata.rawPayload=true` publishes the bytes as they are; `metadata.cloudevent.<attribute>`
 * sets `id`, `source`, `type`, `subject` or `dataschema`. Errors use Dapr's pub/sub error codes.
 * It lives at the HTTP edge, not in components/: it parses HTTP (query, content type) and answers with Dapr's
 * pub/sub error codes, which WeftError's codes cannot tell apart; components/ keeps the envelope and the brokers.
 */
import type { FastifyPluginAsync } from "fastify";
import type { OutgoingMessage } from "../../../components/brokers/broker.js";
import { encodeEvent, eventIdentity, publishEnvelope } from "../../../components/cloud-event.js";
import { isWeftError } from "../../../core/errors.js";
import { HttpError } from "../errors.js";

/** What the route needs from the trigger manager. */
export interface Publisher {
  readonly pubsubNames: string[];
  publish(pubsubName: string, topic: string, message: OutgoingMessage): Promise<void>;
}

export interface PublishRouteOptions {
  /** `source` of the CloudEvents the route creates (Dapr uses the app id). */
  source?: string;
  newId?: () => string;
}

const OVERRIDABLE = ["id", "source", "type", "subject", "dataschema"];

type Params = { pubsubname: string; "*": string };

export function publishRoutes(publisher: Publisher, options: PublishRouteOptions = {}): FastifyPluginAsync {
  const newId = options.newId ?? (() => globalThis.crypto.randomUUID());
  const source = options.source ?? "weft";
  return async (scope) => {
    // The body is the message, whatever its content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    scope.route<{ Params: Params; Querystring: Record<string, string | string[]> }>({
      method: ["POST", "PUT"],
      url: "/v1.0/publish/:pubsubname/*",
      handler: async (request, reply) => {
        const pubsubName = request.params.pubsubname;
        const topic = request.params["*"];
        if (!topic)
          throw new HttpError(404, "ERR_TOPIC_NAME_EMPTY", `topic is empty in pubsub '${pubsubName}'`);
        if (publisher.pubsubNames.length === 0)
          throw new HttpError(400, "ERR_PUBSUB_NOT_CONFIGURED", "no pubsub is configured");
        if (!publisher.pubsubNames.includes(pubsubName))
          throw new HttpError(400, "ERR_PUBSUB_NOT_FOUND", `pubsub '${pubsubName}' not found`);
        const { rawPayload, overrides } = readMetadata(request.query);
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        let message: OutgoingMessage;
        if (rawPayload) {
          message = { body, contentType: request.headers["content-type"] ?? "application/octet-stream" };
        } else {
          let event: ReturnType<typeof publishEnvelope>;
          try {
            event = publishEnvelope(body, {
              pubsubName,
              topic,
              contentType: request.headers["content-type"],
              overrides,
              traceparent: header(request.headers.traceparent),
              tracestate: header(request.headers.tracestate),
              newId,
              source,
            });
          } catch (error) {
            if (!isWeftError(error, "invalid_argument")) throw error;
            throw new HttpError(400, "ERR_PUBSUB_CLOUD_EVENTS_SER", error.message);
          }
          message = {
            body: encodeEvent(event),
            id: eventIdentity(event),
            contentType: "application/cloudevents+json",
          };
        }
        try {
          await publisher.publish(pubsubName, topic, message);
        } catch (error) {
          throw new HttpError(
            500,
            "ERR_PUBSUB_PUBLISH_MESSAGE",
            `error when publishing to topic '${topic}' in pubsub '${pubsubName}': ${(error as Error).message}`,
          );
        }
        return reply.code(204).send();
      },
    });
  };
}

function readMetadata(query: Record<string, string | string[]>): {
  rawPayload: boolean;
  overrides: Record<string, string>;
} {
  let rawPayload = false;
  const overrides: Record<string, string> = {};
  for (const [key, given] of Object.entries(query)) {
    if (!key.startsWith("metadata.")) continue;
    const value = Array.isArray(given) ? given[given.length - 1]! : given;
    const name = key.slice("metadata.".length);
    if (name === "rawPayload") {
      if (!/^(true|false)$/i.test(value)) throw badMetadata(`metadata.rawPayload must be true or false`);
      rawPayload = value.toLowerCase() === "true";
    } else if (name.startsWith("cloudevent.") && OVERRIDABLE.includes(name.slice("cloudevent.".length))) {
      overrides[name.slice("cloudevent.".length)] = value;
    } else {
      throw badMetadata(
        `'${key}' is not supported; use metadata.rawPayload or metadata.cloudevent.{${OVERRIDABLE.join(",")}}`,
      );
    }
  }
  return { rawPayload, overrides };
}

function badMetadata(message: string): HttpError {
  return new HttpError(400, "ERR_PUBSUB_REQUEST_METADATA", `failed deserializing metadata: ${message}`);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
