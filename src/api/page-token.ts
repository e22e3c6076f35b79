/**
 * Continuation tokens: where a listing stopped, opaque to clients (HTTP and gRPC alike). A token is the base64url
 * JSON of the last instance's creation time and id, so a client can neither build nor misread one; a token that
 * does not decode is a client error.
 */
import { WeftError } from "../core/errors.js";
import { quote } from "../core/input-rules.js";
import type { ListPosition } from "../store/store.js";

export function encodePageToken(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.instanceId])).toString("base64url");
}

export function decodePageToken(token: string): ListPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !Number.isSafeInteger(value[0]) ||
    typeof value[1] !== "string"
  ) {
    throw new WeftError(
      "invalid_argument",
      `${quote(token)} is not a continuation token this server gave out`,
    );
  }
  return { createdAt: value[0] as number, instanceId: value[1] as string };
}

/** The token for the page after `page`, if `page` was full. */
export function nextPageToken(
  page: readonly { createdAt: number; instanceId: string }[],
  limit: number,
): string | undefined {
  const last = page.at(-1);
  return page.length === limit && last ? encodePageToken(last) : undefined;
}
