/** Renders docs/benchmarks.md again from bench/results/latest.json (after a change to the report's text). */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Report, renderMarkdown } from "./report.js";

const report = JSON.parse(
  readFileSync(join(import.meta.dirname, "results", "latest.json"), "utf8"),
) as Report;
writeFileSync(join(import.meta.dirname, "..", "docs", "benchmarks.md"), renderMarkdown(report));
