/**
 * Typed reads of a component's (or subscription's) string metadata, with errors that name the file and field.
 * Every key a component reads is remembered, so `rejectUnknown` can refuse keys nobody reads (typos, or Dapr
 * options Weft does not implement) instead of silently ignoring them.
 */
import { WeftError } from "../core/errors.js";

export class MetadataReader {
  readonly #values: Record<string, string>;
  readonly #file: string;
  readonly #prefix: string;
  readonly #read = new Set<string>();

  constructor(values: Record<string, string>, file: string, prefix = "spec.metadata") {
    this.#values = values;
    this.#file = file;
    this.#prefix = prefix;
  }

  /** The error for `key`, naming file and field. */
  invalid(key: string, message: string): WeftError {
    return new WeftError("invalid_argument", `${this.#file}: ${this.#prefix}.${key}: ${message}`);
  }

  has(key: string): boolean {
    return this.#value(key) !== undefined;
  }

  optional(key: string): string | undefined {
    return this.#value(key);
  }

  required(key: string): string {
    const value = this.#value(key);
    if (value === undefined) throw this.invalid(key, "is required");
    return value;
  }

  string(key: string, fallback: string): string {
    return this.#value(key) ?? fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.#value(key);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value))
      throw this.invalid(key, `must be one of ${allowed.join(", ")} (got '${value}')`);
    return value as T;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.#value(key)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === "true") return true;
    if (value === "false") return false;
    throw this.invalid(key, `must be true or false (got '${value}')`);
  }

  int(key: string, fallback: number, min = Number.MIN_SAFE_INTEGER): number {
    const value = this.#value(key);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < min)
      throw this.invalid(key, `must be an integer of at least ${min} (got '${value}')`);
    return Number(value);
  }

  /** A Go-style duration (`500ms`, `30s`, `1m30s`, `2h`), as Dapr's metadata writes them; in milliseconds. */
  duration(key: string, fallbackMs: number): number {
    const value = this.#value(key);
    if (value === undefined) return fallbackMs;
    const ms = parseDuration(value);
    if (ms === undefined)
      throw this.invalid(key, `must be a duration such as 500ms, 30s or 1m (got '${value}')`);
    return ms;
  }

  /** Refuses keys that were never read; call after every read. */
  rejectUnknown(): void {
    for (const key of Object.keys(this.#values)) {
      if (!this.#read.has(key)) {
        const known = [...this.#read].sort().join(", ");
        throw this.invalid(key, `is not a known field here${known ? ` (known: ${known})` : ""}`);
      }
    }
  }

  #value(key: string): string | undefined {
    this.#read.add(key);
    const value = this.#values[key];
    return value === undefined || value === "" ? undefined : value;
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(total);
}
