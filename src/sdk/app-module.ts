/**
 * Loads the user's app module: any ES module (.js, .mjs, or TypeScript loaded through tsx, so no build step)
 * whose default export registers workflows and activities on the runtime before it starts. It belongs to the SDK
 * (the contract between an app and the runtime), so server.ts can load it without importing cli/.
 */
import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { WeftError } from "../core/errors.js";
import type { WorkflowRuntime } from "./runtime.js";

export type AppRegistration = (runtime: WorkflowRuntime) => void | Promise<void>;

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);

export async function loadAppModule(path: string, runtime: WorkflowRuntime): Promise<void> {
  const file = resolve(path);
  if (!existsSync(file)) throw new WeftError("invalid_argument", `the app module '${path}' does not exist`);
  const url = pathToFileURL(file).href;
  let module: { default?: unknown };
  try {
    if (TYPESCRIPT.has(extname(file))) {
      // Scoped to this import: tsx compiles the module and what it imports, without hooking the whole process.
      const { tsImport } = await import("tsx/esm/api");
      module = await tsImport(url, import.meta.url);
    } else {
      module = await import(url);
    }
  } catch (error) {
    throw new WeftError(
      "invalid_argument",
      `the app module '${path}' failed to load: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const register = unwrapDefault(module);
  if (typeof register !== "function") {
    throw new WeftError(
      "invalid_argument",
      `the app module '${path}' must default-export a function (runtime: WorkflowRuntime) => void | Promise<void>`,
    );
  }
  await (register as AppRegistration)(runtime);
}

/** A CommonJS-shaped module compiled by tsx can nest the default export one level deeper. */
function unwrapDefault(module: { default?: unknown }): unknown {
  const value = module.default;
  if (value && typeof value === "object" && "default" in value)
    return (value as { default: unknown }).default;
  return value;
}
