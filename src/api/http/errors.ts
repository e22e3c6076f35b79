/**
 * The one place where errors become HTTP answers: Dapr's body `{"errorCode","message"}` with a status.
 * WeftError codes map to statuses here; the routes throw and never pick a status for an engine error.
 */
import { isWeftError, type WeftErrorCode } from "../../core/errors.js";
import { type InvalidInputError, isInvalidInput, type NameKind } from "../../core/input-rules.js";

/** An error the HTTP edge itself detects (bad id, bad body, unknown component), already in Dapr's form. */
export class HttpError extends Error {
  readonly status: number;
  readonly errorCode: string;

  constructor(status: number, errorCode: string, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** What a route does, so failures without a specific code get Dapr's per-operation code. */
export type Operation =
  | "start"
  | "get"
  | "raise"
  | "pause"
  | "resume"
  | "terminate"
  | "purge"
  | "list"
  | "history"
  | "overview"
  | "bulk"
  | "rerun"
  | "metadata";

const OPERATION_CODES: Record<Operation, string> = {
  start: "ERR_START_WORKFLOW",
  get: "ERR_GET_WORKFLOW",
  raise: "ERR_RAISE_EVENT_WORKFLOW",
  pause: "ERR_PAUSE_WORKFLOW",
  resume: "ERR_RESUME_WORKFLOW",
  terminate: "ERR_TERMINATE_WORKFLOW",
  purge: "ERR_PURGE_WORKFLOW",
  list: "ERR_LIST_WORKFLOWS",
  history: "ERR_GET_WORKFLOW_HISTORY",
  overview: "ERR_GET_OVERVIEW",
  bulk: "ERR_BULK_WORKFLOWS",
  rerun: "ERR_RERUN_WORKFLOW",
  metadata: "ERR_METADATA_GET",
};

/** `errorCode: undefined` means "the operation's own code". */
const WEFT_CODES: Record<WeftErrorCode, { status: number; errorCode?: string }> = {
  not_found: { status: 404, errorCode: "ERR_INSTANCE_ID_NOT_FOUND" },
  already_exists: { status: 409, errorCode: "ERR_INSTANCE_ID_ALREADY_EXISTS" },
  invalid_argument: { status: 400, errorCode: "ERR_MALFORMED_REQUEST" },
  failed_precondition: { status: 409 },
  not_registered: { status: 400, errorCode: "ERR_WORKFLOW_NOT_REGISTERED" },
  payload_too_large: { status: 413, errorCode: "ERR_BODY_TOO_LARGE" },
  unauthenticated: { status: 401, errorCode: "ERR_API_TOKEN_INVALID" },
  timeout: { status: 504 },
  unavailable: { status: 503 },
  unimplemented: { status: 501 },
  upstream_failed: { status: 502 },
  lock_lost: { status: 500 },
  nondeterminism: { status: 500 },
  internal: { status: 500 },
};

/** Errors raised by fastify itself before a handler runs (body parsing, routing), by their `code`. */
const FASTIFY_CODES: Record<string, { status: number; errorCode: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, errorCode: "ERR_BODY_TOO_LARGE" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, errorCode: "ERR_BODY_READ" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, errorCode: "ERR_MALFORMED_REQUEST" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, errorCode: "ERR_MALFORMED_REQUEST" },
  FST_ERR_BAD_URL: { status: 400, errorCode: "ERR_MALFORMED_REQUEST" },
};

export interface ErrorAnswer {
  status: number;
  body: { errorCode: string; message: string };
}

export function toErrorAnswer(error: unknown, operation: Operation | undefined): ErrorAnswer {
  const fallback = operation ? OPERATION_CODES[operation] : "ERR_INTERNAL";
  if (error instanceof HttpError) return answer(error.status, error.errorCode, error.message);
  if (isInvalidInput(error)) return answer(400, inputErrorCode(error), error.message);
  if (isWeftError(error)) {
    const mapped = WEFT_CODES[error.code];
    return answer(mapped.status, mapped.errorCode ?? fallback, error.message);
  }
  const code = (error as { code?: unknown }).code;
  const known = typeof code === "string" ? FASTIFY_CODES[code] : undefined;
  if (known) return answer(known.status, known.errorCode, capped((error as Error).message));
  // Any other client error fastify reports (a bad header, a path segment over 1000 characters: 414) stays a
  // 4xx; everything else is ours: 500.
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return answer(status, "ERR_MALFORMED_REQUEST", capped((error as Error).message));
  }
  return answer(500, fallback, error instanceof Error ? error.message : String(error));
}

/** Fastify's messages quote the whole URL; keep a prefix, as Weft's own messages do (core/input-rules.ts). */
function capped(message: string): string {
  return message.length <= 160 ? message : `${message.slice(0, 160)}…`;
}

function answer(status: number, errorCode: string, message: string): ErrorAnswer {
  return { status, body: { errorCode, message } };
}

/** Dapr's codes for the input rules (core/input-rules.ts); Weft's own where Dapr has none. */
function inputErrorCode(error: InvalidInputError): string {
  switch (error.rule) {
    case "instance_id_missing":
      return "ERR_INSTANCE_ID_PROVIDED_MISSING";
    case "instance_id_too_long":
      return "ERR_INSTANCE_ID_TOO_LONG";
    case "instance_id_invalid":
      return "ERR_INSTANCE_ID_INVALID";
    case "name_missing":
      return NAME_CODES[error.nameKind ?? "workflow"].missing;
    case "name_invalid":
      return NAME_CODES[error.nameKind ?? "workflow"].invalid;
    case "payload_too_deep":
      return "ERR_PAYLOAD_TOO_DEEP";
    case "time_out_of_range":
      return "ERR_MALFORMED_REQUEST";
    case "metadata_invalid":
      return "ERR_WORKFLOW_METADATA_INVALID";
  }
}

const NAME_CODES: Record<NameKind, { missing: string; invalid: string }> = {
  workflow: { missing: "ERR_WORKFLOW_NAME_MISSING", invalid: "ERR_WORKFLOW_NAME_INVALID" },
  activity: { missing: "ERR_ACTIVITY_NAME_MISSING", invalid: "ERR_ACTIVITY_NAME_INVALID" },
  event: { missing: "ERR_WORKFLOW_EVENT_NAME_MISSING", invalid: "ERR_WORKFLOW_EVENT_NAME_INVALID" },
};

export const malformed = (message: string) => new HttpError(400, "ERR_MALFORMED_REQUEST", message);
