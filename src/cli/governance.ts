/**
 * Operators' commands over many instances: `weft list` (Dapr CLI's columns and output formats), `weft rerun`, and
 * `weft terminate|suspend|resume|purge` by filter (with `--dry-run`) when no instance id is given. All are
 * clients of the HTTP API (docs/operations.md), like the rest of operator.ts.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { stringify } from "yaml";
import { parseGoDuration } from "../config/go-duration.js";
import { call, printJson, type Target } from "./http-client.js";

interface Listed {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  lastUpdatedAt: string;
  runtimeStatus: string;
  properties?: Record<string, string>;
}

export interface FilterFlags {
  filterName?: string;
  filterStatus?: string;
  filterMaxAge?: number;
  metadata?: string[];
  idPrefix?: string;
}

const OUTPUTS = ["short", "wide", "json", "yaml", "ids"] as const;

/** The filter flags Dapr's CLI has (`-w`, `-s`, `-m`), plus metadata and id prefix. */
export function filterOptions(command: Command): Command {
  return command
    .option("-w, --filter-name <workflow>", "only instances of this workflow")
    .option("-s, --filter-status <statuses>", "only these statuses, comma-separated (e.g. RUNNING,SUSPENDED)")
    .addOption(
      new Option(
        "-m, --filter-max-age <duration>",
        "only instances created within this long (e.g. 30m, 24h)",
      ).argParser(parseAge),
    )
    .option("--metadata <key=value>", "only instances started with this metadata (repeatable)", collect, [])
    .option("--id-prefix <prefix>", "only instance ids that start with this");
}

export function filterQuery(flags: FilterFlags, now = Date.now()): URLSearchParams {
  const query = new URLSearchParams();
  if (flags.filterName) query.set("name", flags.filterName);
  if (flags.filterStatus) query.set("status", flags.filterStatus);
  if (flags.filterMaxAge !== undefined)
    query.set("createdFrom", new Date(now - flags.filterMaxAge).toISOString());
  for (const pair of flags.metadata ?? []) query.append("metadata", pair);
  if (flags.idPrefix) query.set("idPrefix", flags.idPrefix);
  return query;
}

export function governanceCommands(command: (name: string, description: string) => Command): void {
  filterOptions(command("list", "list instances, newest first (Dapr CLI's columns)"))
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUTS).default("short"))
    .option("--limit <n>", "at most this many instances", parseCount, 1000)
    .action(async (flags: Target & FilterFlags & { output: (typeof OUTPUTS)[number]; limit: number }) => {
      const instances = await listAll(flags, flags.limit);
      print(instances, flags.output);
    });

  command(
    "rerun",
    "start a new instance that reruns a finished one from an event (Dapr's RerunWorkflowFromEvent)",
  )
    .argument("<instanceId>")
    .option(
      "-e, --from-event <n>",
      "the event id to rerun from (an activity, timer or child workflow)",
      parseCount,
      0,
    )
    .option("--new-id <instanceId>", "the new instance's id (default: a random UUID)")
    .option("-x, --input <json>", "replaces that step's input, as JSON text")
    .action(async (id: string, flags: Target & { fromEvent: number; newId?: string; input?: string }) => {
      const body: Record<string, unknown> = { fromEvent: flags.fromEvent };
      if (flags.newId) body.newInstanceID = flags.newId;
      if (flags.input !== undefined) body.input = parseJson(flags.input);
      const answer = await call(
        flags,
        "POST",
        `/weft/v1/instances/${encodeURIComponent(id)}/rerun`,
        JSON.stringify(body),
      );
      console.log((answer.body as { instanceID: string }).instanceID);
    });

  for (const [name, description] of [
    ["suspend", "suspend (pause) an instance, or every instance the filters match"],
    ["resume", "resume a suspended instance, or every suspended instance the filters match"],
    ["terminate", "terminate an instance and its children, or every instance the filters match"],
    ["purge", "delete a finished instance and its children, or every finished instance the filters match"],
  ] as const) {
    filterOptions(command(name, description))
      .argument("[instanceId]")
      .option(
        name === "terminate" ? "--output <json>" : "--reason <text>",
        name === "terminate" ? "saved as the output" : "the reason, kept in history",
      )
      .option("--all", "with no filter: act on every instance")
      .option("--dry-run", "only count the instances it would act on")
      .action(
        async (
          id: string | undefined,
          flags: Target & FilterFlags & { output?: string; reason?: string; all?: boolean; dryRun?: boolean },
        ) => {
          const body = name === "terminate" ? flags.output : flags.reason;
          const query = filterQuery(flags);
          if (id !== undefined) {
            if ([...query.keys()].length > 0 || flags.all || flags.dryRun) {
              throw new InvalidArgumentError("give an instance id or filters, not both");
            }
            const path = name === "suspend" ? "pause" : name;
            await call(flags, "POST", `/v1.0/workflows/dapr/${encodeURIComponent(id)}/${path}`, body);
            return;
          }
          if (flags.all) query.set("all", "true");
          if (flags.dryRun) query.set("dryRun", "true");
          const answer = await call(flags, "POST", `/weft/v1/instances/${name}?${query}`, body);
          const result = answer.body as { matched: number; affected: number; dryRun: boolean };
          console.log(
            result.dryRun
              ? `${result.matched} instance(s) would be ${pastTense(name)} (dry run)`
              : `${result.affected} instance(s) ${pastTense(name)} of ${result.matched} matched`,
          );
        },
      );
  }
}

async function listAll(flags: Target & FilterFlags, max: number): Promise<Listed[]> {
  const instances: Listed[] = [];
  let token: string | undefined;
  do {
    const query = filterQuery(flags);
    query.set("limit", String(Math.min(1000, max - instances.length)));
    if (token) query.set("continuationToken", token);
    const page = (await call(flags, "GET", `/weft/v1/instances?${query}`)).body as {
      instances: Listed[];
      continuationToken?: string;
    };
    instances.push(...page.instances);
    token = page.continuationToken;
  } while (token && instances.length < max);
  return instances;
}

function print(instances: Listed[], output: (typeof OUTPUTS)[number]): void {
  switch (output) {
    case "json":
      printJson(instances);
      return;
    case "yaml":
      process.stdout.write(stringify(instances));
      return;
    case "ids":
      for (const i of instances) console.log(i.instanceID);
      return;
    case "short":
      printTable(
        ["NAME", "ID", "STATUS", "CUSTOM STATUS", "AGE"],
        instances.map((i) => [
          i.workflowName,
          i.instanceID,
          i.runtimeStatus,
          customStatus(i),
          age(i.createdAt),
        ]),
      );
      return;
    case "wide":
      printTable(
        [
          "NAMESPACE",
          "APP ID",
          "NAME",
          "ID",
          "STATUS",
          "CUSTOM STATUS",
          "AGE",
          "CREATED",
          "LAST UPDATE",
          "FAILURE MESSAGE",
        ],
        instances.map((i) => [
          "default",
          "weft",
          i.workflowName,
          i.instanceID,
          i.runtimeStatus,
          customStatus(i),
          age(i.createdAt),
          i.createdAt,
          i.lastUpdatedAt,
          i.properties?.["dapr.workflow.failure.error_message"] ?? "",
        ]),
      );
  }
}

function customStatus(i: Listed): string {
  const raw = i.properties?.["dapr.workflow.custom_status"];
  if (raw === undefined) return "";
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "string" ? value : raw;
  } catch {
    return raw;
  }
}

/** Like Dapr's CLI: the largest unit, e.g. 45s, 12m, 3h, 2d. */
export function age(createdAt: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(createdAt)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
  }
}

function pastTense(operation: string): string {
  return (
    { suspend: "suspended", resume: "resumed", terminate: "terminated", purge: "purged" }[operation] ??
    operation
  );
}

function parseAge(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined)
    throw new InvalidArgumentError(`expected a duration such as 30m, 24h or 1h30m, got '${value}'`);
  return ms;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return n;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`--input must be JSON text, got '${text}'`);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
