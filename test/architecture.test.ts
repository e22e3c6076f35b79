/**
 * The shape of src/, checked on every run (Biome's noRestrictedImports and noImportCycles check parts of it too;
 * these are the backstop and the part Biome cannot express):
 * - the core is pure: its imports never leave src/core and never name Node;
 * - layers point one way: a file imports only from its own layer or a lower one;
 * - only the composition picks a concrete store, and the edges reach the engine through narrow interfaces.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, test } from "vitest";

const root = resolve(import.meta.dirname, "..");
const src = join(root, "src");
const core = join(src, "core");

/**
 * Each top-level entry of src/ and its layer, lowest first. A file may import from its own layer or any lower one.
 * - core: the domain (history, replay, apply, errors, shared shapes such as Logger); pure.
 * - store: persistence; sees only core.
 * - engine, config: run turns over a Store; config parses the Dapr Configuration the engine's limits read.
 * - sdk, api, components, observability: the ways in (in-process SDK, HTTP and gRPC edges, pub/sub and bindings)
 *   and the ways out (metrics, traces, lifecycle events, which publish through components).
 * - server.ts (the composition root of `weft run`), embedded-runtime.ts (the in-process SDK's, with its default
 *   store), index.ts (the package's public entry) and version.ts: wire or export the layers below; nothing under
 *   src/ but these and cli/ may import them.
 * - cli: the command line, on top of everything.
 * A new top-level folder fails the test until it is given a layer here.
 */
const LAYERS: Record<string, number> = {
  core: 0,
  store: 1,
  engine: 2,
  // Dapr Configuration parsing: the engine's limits and retention read its settings.
  config: 2,
  sdk: 3,
  api: 3,
  components: 3,
  // Metrics, traces and the lifecycle-event relay: adapters on the engine's facts, publishing through components.
  observability: 3,
  "server.ts": 4,
  "embedded-runtime.ts": 4,
  "index.ts": 4,
  "version.ts": 4,
  cli: 5,
};

/** Source files under `dir`; tests are left out, since a test may reach across layers to set its scene up. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every module specifier a source names: static imports and re-exports, side-effect imports, dynamic imports. */
function specifiers(source: string): string[] {
  const pattern =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;
  return [...source.matchAll(pattern)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** The top-level entry of src/ a path belongs to ("core", "server.ts", ...). */
function topOf(path: string): string {
  return relative(src, path).split(sep)[0]!;
}

/** Why `file` may not import `spec`, or undefined when it may. Package imports are not layered here. */
function layerViolation(file: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const target = resolve(dirname(file), spec);
  if (!target.startsWith(src + sep)) return undefined;
  const from = topOf(file);
  const to = topOf(target).replace(/\.js$/, ".ts");
  const fromLayer = LAYERS[from];
  const toLayer = LAYERS[to];
  if (fromLayer === undefined) return `src/${from} has no layer; give it one in test/architecture.test.ts`;
  if (toLayer === undefined) return `src/${to} has no layer; give it one in test/architecture.test.ts`;
  if (toLayer > fromLayer) return `${from} (layer ${fromLayer}) may not import ${to} (layer ${toLayer})`;
  return undefined;
}

test("src/core imports only src/core and nothing from Node", () => {
  const offences: string[] = [];
  for (const file of files(core)) {
    const source = readFileSync(file, "utf8");
    for (const spec of specifiers(source)) {
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

describe("layers point one way: core <- store <- engine <- sdk/api/components <- server <- cli", () => {
  test("every top-level entry of src/ has a layer", () => {
    const unknown = readdirSync(src).filter(
      (name) => !name.endsWith(".test.ts") && LAYERS[name] === undefined,
    );
    expect(unknown).toEqual([]);
  });

  test("no file imports from a higher layer", () => {
    const offences: string[] = [];
    let checked = 0;
    for (const file of files(src)) {
      for (const spec of specifiers(readFileSync(file, "utf8"))) {
        checked++;
        const why = layerViolation(file, spec);
        if (why) offences.push(`${relative(root, file)} imports ${spec}: ${why}`);
      }
    }
    expect(offences).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  });

  test("the check itself catches an upward import in each form", () => {
    const storeFile = join(src, "store/postgres/housekeeper.ts");
    const up = [
      'import type { Engine } from "../../engine/engine.js";',
      'export { Engine } from "../../engine/engine.js";',
      'const m = await import("../../engine/engine.js");',
      'import "../../engine/engine.js";',
      'import {\n  type A,\n  B,\n} from "../../server.js";',
    ];
    for (const line of up) {
      const [spec] = specifiers(line);
      expect(spec, line).toBeDefined();
      expect(layerViolation(storeFile, spec!), line).toMatch(/may not import/);
    }
    expect(layerViolation(storeFile, "../../core/history.js")).toBeUndefined();
    expect(layerViolation(join(src, "server.ts"), "./cli/run.js")).toMatch(/may not import cli/);
    expect(layerViolation(join(src, "cli/run.ts"), "../server.js")).toBeUndefined();
    expect(layerViolation(join(src, "api/http/app.ts"), "../../components/resources.js")).toBeUndefined();
    expect(layerViolation(join(src, "sdk/x.ts"), "../dashboard/x.js")).toMatch(/has no layer/);
  });
});

/** Each source file under src/ with the src/ files it imports (relative specifiers only, resolved to .ts). */
function importGraph(): { file: string; target: string; spec: string }[] {
  return files(src).flatMap((file) =>
    specifiers(readFileSync(file, "utf8"))
      .filter((spec) => spec.startsWith("."))
      .map((spec) => ({ file, spec, target: resolve(dirname(file), spec).replace(/\.js$/, ".ts") })),
  );
}

describe("the composition picks, the layers below take what they are given", () => {
  test("a concrete store (src/store/<kind>/) is imported only by store/ and the composition (layer 4 and up)", () => {
    const concrete = [join(src, "store", "sqlite") + sep, join(src, "store", "postgres") + sep];
    const graph = importGraph();
    // The check sees the composition's own imports, so it would see anyone else's.
    const composition = join(src, "embedded-runtime.ts");
    const seen = graph.some(({ file, target }) => file === composition && target.startsWith(concrete[0]!));
    expect(seen).toBe(true);
    const offences = graph
      .filter(({ file, target }) => {
        const from = topOf(file);
        return from !== "store" && LAYERS[from]! < 4 && concrete.some((dir) => target.startsWith(dir));
      })
      .map(({ file, spec }) => `${relative(root, file)} imports ${spec}`);
    expect(offences).toEqual([]);
  });

  test("the edges (api/, components/) name the management interface, never the concrete runtime or service", () => {
    const concrete = [join(src, "sdk", "runtime.ts"), join(src, "engine", "service.ts")];
    const graph = importGraph();
    // The check sees the composition root's own import of the runtime, so it would see an edge's.
    const seen = graph.some(({ file, target }) => file === join(src, "server.ts") && target === concrete[0]);
    expect(seen).toBe(true);
    const offences = graph
      .filter(({ file, target }) => ["api", "components"].includes(topOf(file)) && concrete.includes(target))
      .map(({ file, spec }) => `${relative(root, file)} imports ${spec}`);
    expect(offences).toEqual([]);
  });
});
