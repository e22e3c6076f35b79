import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { RESTATE_ENDPOINT_SCRIPT } from "./restate-server.js";

export interface EndpointProcess {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** Starts restate-endpoint.ts in its own Node process (tsx loads it) and waits for the port it listens on. */
export async function startEndpointProcess(installDir: string): Promise<EndpointProcess> {
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), RESTATE_ENDPOINT_SCRIPT, installDir],
    {
      stdio: ["ignore", "pipe", "pipe"],
      // The SDK logs every invocation at info; warnings and errors are what a bench run needs to see.
      env: { ...process.env, RESTATE_LOGGING: "WARN" },
    },
  );
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[restate-endpoint] ${chunk.toString()}`));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    child.once("exit", (code) => reject(new Error(`restate endpoint exited with ${code} before listening`)));
    lines.once("line", (line) => {
      const parsed = JSON.parse(line) as { port?: unknown };
      if (typeof parsed.port === "number") resolve(parsed.port);
      else reject(new Error(`unexpected endpoint output: ${line}`));
    });
  });
  return { pid: child.pid!, port, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}
