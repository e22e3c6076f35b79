/**
 * Weft's version, from its package.json (one level up from both src/ and dist/). It sits beside server.ts, below
 * cli/, because both the server (the sidecar metadata) and the CLI (`--version`) report it.
 */
import { readFileSync } from "node:fs";

export const WEFT_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
