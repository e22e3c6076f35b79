/**
 * The in-process SDK's composition: the `WorkflowRuntime` users import from "weft" is the SDK's runtime
 * (sdk/runtime.ts) with the embedded SQLite store as its default, so `new WorkflowRuntime()` needs no
 * configuration. `openEmbeddedStore` is the one place that picks that default; `weft run` (server.ts) opens its
 * default store through it too.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { WorkflowRuntime as SdkWorkflowRuntime, type WorkflowRuntimeOptions } from "./sdk/runtime.js";
import { SqliteStore } from "./store/sqlite/sqlite-store.js";

/** Where the embedded store keeps its file when no path is given, relative to the working directory. */
export const DEFAULT_DATABASE_PATH = ".weft/weft.db";

/** The embedded default store: the SQLite file at `databasePath` (its folder created if missing), or `:memory:`. */
export function openEmbeddedStore(
  options: Pick<WorkflowRuntimeOptions, "databasePath" | "lifecycleEvents" | "clock">,
): SqliteStore {
  const path = options.databasePath ?? DEFAULT_DATABASE_PATH;
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore({ path, lifecycleEvents: options.lifecycleEvents, clock: options.clock });
}

/** Runs on `options.store` when given, else on the embedded SQLite file at `options.databasePath`. */
export class WorkflowRuntime extends SdkWorkflowRuntime {
  constructor(options: WorkflowRuntimeOptions = {}) {
    super(options, openEmbeddedStore);
  }
}
