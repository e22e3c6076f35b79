/** The `weft` command: `weft run` starts the server; the other commands manage instances through its HTTP API. */
import { Command } from "commander";
import { WEFT_VERSION } from "../version.js";
import { operatorCommands } from "./operator.js";
import { runCommand } from "./run.js";

const program = new Command()
  .name("weft")
  .description("Weft: a durable workflow engine that speaks the Dapr Workflow APIs")
  .version(WEFT_VERSION)
  .showHelpAfterError();

runCommand(program);
operatorCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`weft: ${(error as Error).message}`);
  process.exitCode = 1;
}
