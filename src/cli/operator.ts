/**
 * Operators' commands (`weft list`, `get`, `history`, `start`, `raise`, `suspend`, `resume`, `terminate`, `purge`):
 * thin clients of a running server's HTTP API, so they work against any Weft node, local or not.
 * `--url` (default from DAPR_HTTP_PORT) picks the server; DAPR_API_TOKEN is sent when set, as Dapr's SDKs do.
 */
import { type Command, Option } from "commander";
import { parsePositive } from "./options.js";

interface Target {
  url: string;
}

interface Answer {
  status: number;
  body: unknown;
}

export function operatorCommands(program: Command): void {
  const command = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .addOption(
        new Option("--url <url>", "the Weft server's HTTP address").default(
          `http://127.0.0.1:${process.env.DAPR_HTTP_PORT || 3500}`,
          "http://127.0.0.1:$DAPR_HTTP_PORT or :3500",
        ),
      );

  command("list", "list instances, newest first")
    .option("--status <statuses>", "comma-separated statuses, e.g. RUNNING,SUSPENDED")
    .option("--name <workflow>", "only instances of this workflow")
    .option("--limit <n>", "page size (1-1000)", "100")
    .option("--continuation-token <token>", "continue where the previous page ended")
    .action(
      async (
        flags: Target & { status?: string; name?: string; limit: string; continuationToken?: string },
      ) => {
        const query = new URLSearchParams({ limit: flags.limit });
        if (flags.status) query.set("status", flags.status);
        if (flags.name) query.set("name", flags.name);
        if (flags.continuationToken) query.set("continuationToken", flags.continuationToken);
        const page = (await call(flags, "GET", `/weft/v1/instances?${query}`)).body as {
          instances: { instanceID: string; workflowName: string; runtimeStatus: string; createdAt: string }[];
          continuationToken?: string;
        };
        const rows = page.instances.map((i) => [i.instanceID, i.workflowName, i.runtimeStatus, i.createdAt]);
        printTable(["INSTANCE", "WORKFLOW", "STATUS", "CREATED"], rows);
        if (page.continuationToken) console.log(`more: --continuation-token ${page.continuationToken}`);
      },
    );

  command("get", "show an instance (Dapr's JSON)")
    .argument("<instanceId>")
    .action(async (id: string, flags: Target) => {
      printJson((await call(flags, "GET", `/v1.0/workflows/dapr/${encodeURIComponent(id)}`)).body);
    });

  command("history", "print an instance's history, one JSON event per line")
    .argument("<instanceId>")
    .action(async (id: string, flags: Target) => {
      const { body } = await call(flags, "GET", `/weft/v1/instances/${encodeURIComponent(id)}/history`);
      for (const event of (body as { events: unknown[] }).events) console.log(JSON.stringify(event));
    });

  command("start", "start an instance and print its id")
    .argument("<workflowName>")
    .option("--id <instanceId>", "instance id (default: a random UUID)")
    .option("--input <json>", "input, as JSON text")
    .addOption(
      new Option("--wait <seconds>", "wait for the instance to finish and print it").argParser(parsePositive),
    )
    .action(async (name: string, flags: Target & { id?: string; input?: string; wait?: number }) => {
      const query = flags.id ? `?instanceID=${encodeURIComponent(flags.id)}` : "";
      const started = await call(
        flags,
        "POST",
        `/v1.0/workflows/dapr/${encodeURIComponent(name)}/start${query}`,
        flags.input,
      );
      const id = (started.body as { instanceID: string }).instanceID;
      if (flags.wait === undefined) {
        console.log(id);
        return;
      }
      const state = await waitForEnd(flags, id, flags.wait);
      printJson(state.body);
      if (state.status >= 400) process.exitCode = 1;
    });

  command("raise", "raise an event on an instance")
    .argument("<instanceId>")
    .argument("<eventName>")
    .option("--data <json>", "event payload, as JSON text")
    .action(async (id: string, event: string, flags: Target & { data?: string }) => {
      await call(flags, "POST", `${instancePath(id)}/raiseEvent/${encodeURIComponent(event)}`, flags.data);
    });

  for (const [name, description] of [
    ["suspend", "suspend (pause) an instance"],
    ["resume", "resume a suspended instance"],
    ["purge", "delete a finished instance and its children"],
  ] as const) {
    command(name, description)
      .argument("<instanceId>")
      .action(async (id: string, flags: Target) => {
        await call(flags, "POST", `${instancePath(id)}/${name === "suspend" ? "pause" : name}`);
      });
  }

  command("terminate", "terminate an instance and its children")
    .argument("<instanceId>")
    .option("--output <json>", "saved as the instance's output")
    .action(async (id: string, flags: Target & { output?: string }) => {
      await call(flags, "POST", `${instancePath(id)}/terminate`, flags.output);
    });
}

const instancePath = (id: string) => `/v1.0/workflows/dapr/${encodeURIComponent(id)}`;

/** Long-polls the status URL until the instance finishes or `seconds` pass. */
async function waitForEnd(target: Target, id: string, seconds: number): Promise<Answer> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    const answer = await call(
      target,
      "GET",
      `/weft/v1/instances/${encodeURIComponent(id)}?wait=${left}`,
      undefined,
      true,
    );
    if (answer.status !== 202 || Date.now() >= deadline) return answer;
  }
}

async function call(
  target: Target,
  method: string,
  path: string,
  body?: string,
  anyStatus = false,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (process.env.DAPR_API_TOKEN) headers["dapr-api-token"] = process.env.DAPR_API_TOKEN;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(new URL(path, target.url), { method, headers, body });
  } catch (error) {
    throw new Error(`cannot reach ${target.url}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  if (response.status >= 400 && !anyStatus) {
    const error = parsed as { errorCode?: string; message?: string } | undefined;
    throw new Error(`${response.status} ${error?.errorCode ?? ""}: ${error?.message ?? text}`);
  }
  return { status: response.status, body: parsed };
}

function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
}
