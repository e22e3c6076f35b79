/**
 * The least text greater than every text that starts with `prefix`, in byte order of UTF-8 (that is, code point
 * order: SQLite's BINARY collation and PostgreSQL's text_pattern_ops): the prefix with its last code point raised by one.
 */
export function prefixEnd(prefix: string): string {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()! + 1;
    if (last === 0xd800) last = 0xe000;
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return "\u{10FFFF}\u{10FFFF}";
}
