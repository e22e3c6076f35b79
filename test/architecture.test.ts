/** The core is pure: its imports never leave src/core and never name Node. Lint checks this too; this is the backstop. */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect, test } from "vitest";

const root = resolve(import.meta.dirname, "..");
const core = join(root, "src/core");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

test("src/core imports only src/core and nothing from Node", () => {
  const offences: string[] = [];
  for (const file of files(core)) {
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(
      /(?:import|export)[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
    )) {
      const spec = match[1] ?? match[2]!;
      const target = spec.startsWith(".") ? resolve(dirname(file), spec) : spec;
      if (!spec.startsWith(".") || !target.startsWith(core))
        offences.push(`${relative(root, file)} imports ${spec}`);
    }
    for (const global of ["Date.now(", "Math.random(", "process.", "setTimeout(", "crypto."]) {
      if (source.includes(global)) offences.push(`${relative(root, file)} uses ${global}`);
    }
  }
  expect(offences).toEqual([]);
});
