/** Go's `time.ParseDuration` format, which Dapr's configuration uses: `300ms`, `1.5h`, `2h45m`, `-` not allowed. */
const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds, or undefined when `text` is not a non-negative Go duration. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = part.exec(text); m; m = part.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = part.lastIndex;
  }
  return matched > 0 && matched === text.length ? total : undefined;
}
