/**
 * The rules every value from outside must pass before anything else sees it: instance ids, names, payloads,
 * times and metadata. Both edges (HTTP and gRPC) and the service call these, so a value is accepted or refused
 * the same way whichever door it came through; past them, nothing throws on the shape of input.
 * A refusal is an `InvalidInputError` naming its rule; messages quote at most a short prefix of the value, so a
 * hostile value is never echoed back whole (a gRPC status travels in a header of limited size).
 */
import { WeftError } from "./errors.js";

export const LIMITS = {
  /** A new instance id (Dapr: `len > 64` is ERR_INSTANCE_ID_TOO_LONG). */
  newInstanceIdLength: 64,
  /**
   * An id that addresses an instance: room for child ids (`<parent>:<4 hex digits>`, one suffix per level),
   * 38 levels below a 64-character parent.
   */
  instanceIdLength: 256,
  /** Workflow, activity and event names. */
  nameLength: 256,
  /** Nesting of `[` and `{` in a payload; JSON.stringify overflows the stack a few thousand levels down. */
  payloadDepth: 100,
  /** Times are those a protobuf Timestamp and RFC 3339 can carry: 0001-01-01T00:00:00Z ... */
  minTimeMs: -62135596800000,
  /** ... to 9999-12-31T23:59:59.999Z. */
  maxTimeMs: 253402300799999,
  metadataPairs: 64,
  metadataKeyLength: 256,
  metadataValueLength: 4096,
} as const;

export type InputRule =
  | "instance_id_missing"
  | "instance_id_too_long"
  | "instance_id_invalid"
  | "name_missing"
  | "name_invalid"
  | "payload_too_deep"
  | "time_out_of_range"
  | "metadata_invalid";

/** What a name names: the HTTP edge picks Dapr's error code by it. */
export type NameKind = "workflow" | "activity" | "event";

export class InvalidInputError extends WeftError {
  readonly rule: InputRule;
  readonly nameKind: NameKind | undefined;

  constructor(rule: InputRule, message: string, nameKind?: NameKind) {
    super("invalid_argument", message);
    this.name = "InvalidInputError";
    this.rule = rule;
    this.nameKind = nameKind;
  }
}

export function isInvalidInput(error: unknown): error is InvalidInputError {
  return error instanceof InvalidInputError;
}

const QUOTE_CHARS = 40;

/** A value as error messages show it: at most 40 characters, then `…` and the full length. */
export function quote(value: string): string {
  if (value.length <= QUOTE_CHARS) return `'${value}'`;
  // Never cut a surrogate pair in two: half of one cannot be encoded.
  const cut = /[\ud800-\udbff]/u.test(value.charAt(QUOTE_CHARS - 1)) ? QUOTE_CHARS - 1 : QUOTE_CHARS;
  return `'${value.slice(0, cut)}…' (${value.length} characters)`;
}

const NEW_ID_CHARS = /^[\p{L}\p{N}_-]+$/u;
/** Child ids add `:` (Durable Task's `<parent>:<hex>`), so ids that address instances may hold it too. */
const ID_CHARS = /^[\p{L}\p{N}_:-]+$/u;

/** Dapr's rule for an id a caller gives a new instance: 1-64 letters, digits, `_` or `-` (dapr/dapr#6156). */
export function checkNewInstanceId(id: unknown): string {
  return checkId(id, LIMITS.newInstanceIdLength, NEW_ID_CHARS, "letters, digits, '_' and '-'");
}

/** An id that addresses an existing instance: as a new one, plus `:` of child ids, up to 256 characters. */
export function checkInstanceId(id: unknown): string {
  return checkId(id, LIMITS.instanceIdLength, ID_CHARS, "letters, digits, '_', '-' and ':'");
}

function checkId(id: unknown, max: number, chars: RegExp, allowed: string): string {
  if (typeof id !== "string" || id === "") {
    throw new InvalidInputError("instance_id_missing", "no instance ID was provided");
  }
  if (id.length > max) {
    throw new InvalidInputError(
      "instance_id_too_long",
      `workflow instance ID ${quote(id)} is ${id.length} characters long; the limit is ${max}`,
    );
  }
  if (!chars.test(id)) {
    throw new InvalidInputError(
      "instance_id_invalid",
      `workflow instance ID ${quote(id)} is invalid: only ${allowed} are allowed`,
    );
  }
  return id;
}

/** Control characters and unpaired surrogates (which no encoding can carry). */
const BAD_NAME_CHARS = /[\p{Cc}\p{Cs}]/u;

/** A workflow, activity or event name: 1-256 characters, none of them a control character. */
export function checkName(kind: NameKind, name: unknown): string {
  if (typeof name !== "string" || name === "") {
    throw new InvalidInputError("name_missing", `no ${kind} name was provided`, kind);
  }
  if (name.length > LIMITS.nameLength) {
    throw new InvalidInputError(
      "name_invalid",
      `the ${kind} name ${quote(name)} is ${name.length} characters long; the limit is ${LIMITS.nameLength}`,
      kind,
    );
  }
  if (BAD_NAME_CHARS.test(name)) {
    throw new InvalidInputError(
      "name_invalid",
      `the ${kind} name ${quote(name)} holds a control character or an unpaired surrogate`,
      kind,
    );
  }
  return name;
}

/**
 * How deep `[` and `{` nest in a payload, outside JSON strings. One pass, no recursion, so it is safe on any
 * text; text that is not JSON is counted the same way (a string payload nested 100 brackets deep is refused too).
 */
export function payloadDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    }
  }
  return deepest;
}

/** A payload (JSON text, or any text): nested at most 100 levels. `what` says which payload, for the message. */
export function checkPayload<T extends string | undefined>(text: T, what = "the payload"): T {
  if (text !== undefined && payloadDepth(text) > LIMITS.payloadDepth) {
    throw new InvalidInputError(
      "payload_too_deep",
      `${what} nests arrays and objects more than ${LIMITS.payloadDepth} levels deep`,
    );
  }
  return text;
}

/** Whether a time (ms since the epoch) is one an RFC 3339 text and a protobuf Timestamp can carry. */
export function isRepresentableTime(ms: unknown): ms is number {
  return typeof ms === "number" && Number.isFinite(ms) && ms >= LIMITS.minTimeMs && ms <= LIMITS.maxTimeMs;
}

/** A time from outside: between 0001-01-01 and 9999-12-31 (UTC). */
export function checkTime(ms: number, what: string): number {
  if (!isRepresentableTime(ms)) {
    throw new InvalidInputError(
      "time_out_of_range",
      `${what} must be a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z`,
    );
  }
  return ms;
}

/**
 * Metadata pairs as given (key, value), in order: at most 64, keys 1-256 characters and given once, values at
 * most 4096 characters; `__proto__` is refused (it cannot be a plain object's key). The result has no prototype.
 */
export function checkMetadata(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const metadata: Record<string, string> = Object.create(null);
  if (pairs.length > LIMITS.metadataPairs) {
    throw metadataError(`${pairs.length} pairs were given; the limit is ${LIMITS.metadataPairs}`);
  }
  for (const [key, value] of pairs) {
    if (key === "") throw metadataError("a pair has an empty key");
    if (key.length > LIMITS.metadataKeyLength) {
      throw metadataError(`the key ${quote(key)} is longer than ${LIMITS.metadataKeyLength} characters`);
    }
    if (key === "__proto__") throw metadataError("the key '__proto__' is reserved");
    if (Object.hasOwn(metadata, key)) throw metadataError(`the key ${quote(key)} is given twice`);
    if (value.length > LIMITS.metadataValueLength) {
      throw metadataError(
        `the value of ${quote(key)} is longer than ${LIMITS.metadataValueLength} characters`,
      );
    }
    metadata[key] = value;
  }
  return metadata;
}

function metadataError(detail: string): InvalidInputError {
  return new InvalidInputError("metadata_invalid", `invalid workflow metadata: ${detail}`);
}
