/**
 * Reading back stored values that may not be what their types promise: rows written by an older version, by a
 * hostile worker, or by hand. The presenters of both edges show such values as unreadable instead of failing.
 */

/** Stored text as it is; bytes that are UTF-8 as their text; anything else as `<unreadable: ...>`. */
export function storedText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Uint8Array) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(value);
    } catch {
      return `<unreadable: ${value.length} bytes that are not UTF-8 text>`;
    }
  }
  return `<unreadable: a stored ${Array.isArray(value) ? "array" : typeof value} where text belongs>`;
}

/** A stored object's fields, or undefined when what is stored is not an object. */
export function storedObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
    ? (value as Record<string, unknown>)
    : undefined;
}
