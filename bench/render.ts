/**
 * Renders docs/benchmarks.md again from bench/results/latest.json, or from the results file given as the argument
 * (after a change to the report's text, or from a partial run saved with `--save`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Report, renderMarkdown } from "./report.js";

const source = process.argv[2] ?? join(import.meta.dirname, "results", "latest.json");
const report = JSON.parse(readFileSync(source, "utf8")) as Report;
writeFileSync(join(import.meta.dirname, "..", "docs", "benchmarks.md"), renderMarkdown(report));
