/**
 * Operators' commands (`weft get`, `history`, `start`, `raise`; governance.ts adds `list`, `rerun` and
 * `suspend`, `resume`, `terminate`, `purge`, one instance or by filter):
 * thin clients of a running server's HTTP API, so they work against any Weft node, local or not.
 * `--url` (default from DAPR_HTTP_PORT) picks the server; DAPR_API_TOKEN is sent when set, as Dapr's SDKs do.
 */
import { type Command, Option } from "commander";
import { governanceCommands } from "./governance.js";
import { type Answer, call, printJson, type Target } from "./http-client.js";
import { parsePositive } from "./options.js";

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

  governanceCommands(command);
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
