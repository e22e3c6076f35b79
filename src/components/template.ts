/**
 * Instance-id templates and field paths over a received event, in the dotted style of Go templates:
 * `{{.source}}-{{.id}}`, `order-{{.data.orderId}}`; a path `.data.order` selects a field, `.` the whole event.
 */
import { createHash } from "node:crypto";
import { WeftError } from "../core/errors.js";
import { INSTANCE_ID_PATTERN } from "../core/ids.js";

export type FieldPath = readonly string[];

/** Parses `.a.b.0` into its segments; `.` is the whole value. Throws a plain Error for the caller to place. */
export function parseFieldPath(text: string): FieldPath {
  const trimmed = text.trim();
  if (trimmed === ".") return [];
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(trimmed))
    throw new Error(`'${text}' is not a field path such as .data or .data.orderId`);
  return trimmed.slice(1).split(".");
}

export function formatFieldPath(path: FieldPath): string {
  return path.length ? `.${path.join(".")}` : ".";
}

/** The value at `path`, or undefined when a segment is missing. Array elements are addressed by index. */
export function selectField(value: unknown, path: FieldPath): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

type Part = { literal: string } | { path: FieldPath };

export class InstanceIdTemplate {
  readonly text: string;
  readonly #parts: Part[];

  private constructor(text: string, parts: Part[]) {
    this.text = text;
    this.#parts = parts;
  }

  /** Throws a plain Error naming what is wrong; the caller adds file and field. */
  static parse(text: string): InstanceIdTemplate {
    if (!text.trim()) throw new Error("an instance id template cannot be empty");
    const parts: Part[] = [];
    let rest = text;
    while (rest.length) {
      const open = rest.indexOf("{{");
      if (open < 0) {
        if (rest.includes("}}")) throw new Error(`'}}' without '{{' in '${text}'`);
        parts.push({ literal: rest });
        break;
      }
      if (open > 0) parts.push({ literal: rest.slice(0, open) });
      const close = rest.indexOf("}}", open);
      if (close < 0) throw new Error(`'{{' without '}}' in '${text}'`);
      parts.push({ path: parseFieldPath(rest.slice(open + 2, close)) });
      rest = rest.slice(close + 2);
    }
    return new InstanceIdTemplate(text, parts);
  }

  /** The instance id for `event`: placeholders filled, then made a valid id (see toInstanceId). */
  render(event: unknown): string {
    let raw = "";
    for (const part of this.#parts) {
      if ("literal" in part) {
        raw += part.literal;
        continue;
      }
      const value = selectField(event, part.path);
      if (value === undefined || value === null || typeof value === "object") {
        throw new WeftError(
          "invalid_argument",
          `instance id template '${this.text}': ${formatFieldPath(part.path)} is ${
            value === undefined || value === null ? "missing" : "not a string, number or boolean"
          } in the event`,
        );
      }
      raw += String(value);
    }
    return toInstanceId(raw);
  }
}

const MAX_ID = 64;
const HASH_CHARS = 12;

/**
 * Makes text a valid Dapr instance id (letters, digits, `_`, `-`; at most 64): runs of other characters become
 * one `-`, outer dashes go; a longer id keeps its start and gains a hash of the whole text, so distinct long ids
 * stay distinct and the same text always gives the same id.
 */
export function toInstanceId(raw: string): string {
  const cleaned = raw.replace(/[^\p{L}\p{N}_-]+/gu, "-").replace(/^-+|-+$/g, "");
  if (!cleaned) throw new WeftError("invalid_argument", `'${raw.slice(0, 80)}' gives an empty instance id`);
  const chars = Array.from(cleaned);
  if (chars.length <= MAX_ID) return cleaned;
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, HASH_CHARS);
  const id = `${chars.slice(0, MAX_ID - HASH_CHARS - 1).join("")}-${hash}`;
  if (!INSTANCE_ID_PATTERN.test(id))
    throw new WeftError("internal", `derived an invalid instance id '${id}'`);
  return id;
}
