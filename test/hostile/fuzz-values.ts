/**
 * Seeded hostile values for the fuzz test: the same seed gives the same requests, run after run. A tiny PRNG
 * (mulberry32) and generators of the values that broke Weft by hand, plus random ones.
 */

/** mulberry32: a 32-bit state, good enough to pick test values, and reproducible. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(length: number): Buffer {
    const buffer = Buffer.alloc(length);
    for (let i = 0; i < length; i++) buffer[i] = this.int(256);
    return buffer;
  }
}

/** Instances the fuzz target holds (created before the fuzz runs), so some requests hit real ones. */
export const KNOWN_IDS = ["fz-done-1", "fz-done-2", "fz-wait-1", "fz-wait-2", "fz-wait-3"] as const;

const ODD_TEXT = [
  "",
  " ",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "..",
  ".",
  "a:b",
  "fz-done-1:0001",
  "Größe_1-ü",
  "😀",
  "\u0000",
  "\u0007bell",
  "line\nbreak",
  "tab\there",
  "\ud800",
  "\udfff\ud800",
  "\u202e",
  "'; DROP TABLE instances; --",
  "%",
  "%00",
  "%zz",
  "null",
  "undefined",
  "NaN",
  "-1",
  "0",
  "1e400",
  "true",
  "{}",
  "[]",
  "dapr",
  "pubsub",
  "Echo",
  "AwaitGo",
  "start",
  "raiseEvent",
];

/** An id, name or path segment: known ids, odd text, long runs, random characters. */
export function hostileText(r: Random): string {
  switch (r.int(8)) {
    case 0:
      return r.pick(KNOWN_IDS);
    case 1:
    case 2:
      return r.pick(ODD_TEXT);
    case 3:
      return r
        .pick(["x", "é", "9", "_", ":", "😀"])
        .repeat(r.pick([63, 64, 65, 255, 256, 257, 999, 1001, 5000]));
    case 4:
      return `fz-${r.int(50)}`;
    case 5:
      return randomChars(r, 1 + r.int(20));
    case 6:
      return `${r.pick(KNOWN_IDS)}${r.pick(ODD_TEXT)}`;
    default:
      return r.pick(["x", "y"]).repeat(100_000);
  }
}

function randomChars(r: Random, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) {
    const kind = r.int(4);
    const code =
      kind === 0
        ? r.int(0x80)
        : kind === 1
          ? 0x80 + r.int(0x780)
          : kind === 2
            ? r.int(0x10000)
            : 0x1f600 + r.int(50);
    text += String.fromCodePoint(code);
  }
  return text;
}

/** JSON nested `depth` levels, as objects or arrays. */
export function nested(r: Random, depth: number): string {
  const open = r.chance(0.5) ? "[" : '{"a":';
  const close = open === "[" ? "]" : "}";
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

/** A payload body: JSON of every kind, deep nesting, broken JSON, binary, big. */
export function hostileBody(r: Random): string | Buffer | undefined {
  switch (r.int(12)) {
    case 0:
      return undefined;
    case 1:
      return nested(r, r.pick([99, 100, 101, 1000, 5000, 20_000]));
    case 2:
      return JSON.stringify({
        eventName: r.chance(0.7) ? hostileText(r) : r.int(5),
        eventData: r.chance(0.5) ? JSON.parse(nested(r, 50)) : hostileText(r),
      });
    case 3:
      return `{"input":${r.chance(0.5) ? nested(r, r.pick([10, 101, 5000])) : JSON.stringify(hostileText(r))}}`;
    case 4:
      return r.pick([
        '{"a":',
        "[1,2",
        '{"__proto__":{"x":1}}',
        '"\\ud800"',
        "1e400",
        "-0",
        "nul",
        "{}",
        "[]",
        '""',
        "\u0000",
      ]);
    case 5:
      return r.bytes(r.int(200));
    case 6:
      return "x".repeat(r.chance(0.2) ? 70_000 : 1000);
    case 7:
      return JSON.stringify(hostileText(r));
    default:
      return JSON.stringify({
        text: hostileText(r),
        n: r.pick([0, -1, 1e308, 2 ** 53 + 1]),
        list: [null, true],
      });
  }
}

/** A timestamp as the protocol carries it: ordinary, at the edges, out of range, malformed. */
export function hostileTimestamp(r: Random): { seconds?: number; nanos?: number } | undefined {
  return r.pick([
    undefined,
    {},
    { seconds: 0 },
    { seconds: 1_700_000_000 },
    { seconds: 253402300799, nanos: 999_999_999 },
    { seconds: 253402300800 },
    { seconds: -62135596801 },
    { seconds: 9e15 },
    { seconds: -9e15 },
    { seconds: 1, nanos: -1 },
    { seconds: 1, nanos: 1_000_000_000 },
    { seconds: 2 ** 53 },
  ]);
}
