/**
 * Reading the parts of a request the workflow routes share: ids, names, raw bodies, JSON bodies, headers. The
 * rules themselves live in core/input-rules.ts, shared with the gRPC edge; errors.ts maps their refusals to
 * Dapr's error codes.
 */
import { checkMetadata, checkPayload, InvalidInputError, quote } from "../../core/input-rules.js";
import { malformed } from "./errors.js";

export {
  checkInstanceId,
  checkName,
  checkNewInstanceId,
} from "../../core/input-rules.js";

/**
 * The raw body as text, whatever its content type: Dapr passes body bytes through as the payload (usually JSON
 * text). An empty body means "no payload". A body nested deeper than the payload rule allows is a 400.
 */
export function bodyText(body: unknown): string | undefined {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  return checkPayload(body.toString("utf8"), "the request body");
}

/**
 * A JSON object body (`{}` when empty); anything else is a 400 that says what was expected. Its depth is checked
 * first (bodyText), so re-encoding any part of it cannot overflow the stack.
 */
export function jsonObjectBody(body: unknown, expected: string): Record<string, unknown> {
  const text = bodyText(body);
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(`the request body is not valid JSON (${(error as Error).message}); expected ${expected}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw malformed(`the request body must be a JSON object: ${expected}`);
  }
  return value as Record<string, unknown>;
}

export const METADATA_HEADER = "dapr-workflow-metadata";

/**
 * `dapr-workflow-metadata: k1=v1; k2=v2` (cookie style; the header may repeat). Read from the raw headers,
 * because Node joins repeated headers with ", ", which a value may itself contain. Values may be quoted. Nothing
 * is silently dropped: a pair without `=` or with an empty key, a key given twice, `__proto__`, or more pairs or
 * longer keys and values than core/input-rules.ts allows is a 400 naming the pair.
 */
export function parseWorkflowMetadata(rawHeaders: readonly string[]): Record<string, string> | undefined {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== METADATA_HEADER) continue;
    for (const part of rawHeaders[i + 1]!.split(";")) {
      const pair = part.trim();
      if (!pair) continue;
      const eq = pair.indexOf("=");
      const key = eq < 0 ? "" : pair.slice(0, eq).trim();
      if (!key) {
        throw malformedMetadata(
          `the ${METADATA_HEADER} header must hold key=value pairs separated by ';', got ${quote(pair)}`,
        );
      }
      pairs.push([key, unquote(pair.slice(eq + 1).trim())]);
    }
  }
  return pairs.length > 0 ? checkMetadata(pairs) : undefined;
}

function malformedMetadata(message: string) {
  return new InvalidInputError("metadata_invalid", message);
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** `?wait=<seconds>` of the long poll: a number from 0, capped at `maxSeconds`. */
export function waitMs(value: unknown, maxSeconds: number): number {
  if (value === undefined || value === "") return 0;
  const seconds = typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw malformed(
      `'wait' must be a number of seconds from 0 to ${maxSeconds}, got ${quote(String(value))}`,
    );
  }
  return Math.min(seconds, maxSeconds) * 1000;
}

/** A query parameter given at most once; a repeated one is a 400 rather than an array nobody expects. */
export function queryValue(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined || typeof value === "string") return value;
  throw malformed(`the query parameter '${name}' may be given once`);
}
