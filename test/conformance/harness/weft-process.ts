/**
 * A real `weft run` child process on random ports with its own data folder. Ready once it logs `weft ready`,
 * whose line carries the ports it bound.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const ROOT = resolve(import.meta.dirname, "../../..");
const READY_TIMEOUT_MS = 30_000;

export interface WeftProcess {
  /** host:port of the gRPC sidecar. */
  readonly address: string;
  readonly grpcPort: number;
  readonly pid: number;
  /** Log lines so far, for failure messages. */
  readonly logs: string[];
  stop(): Promise<void>;
}

export async function startWeft(options: { env?: Record<string, string> } = {}): Promise<WeftProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-conformance-"));
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (!options.env?.DAPR_API_TOKEN) delete env.DAPR_API_TOKEN;
  const args = ["--import", "tsx", "src/cli/main.ts", "run", "--data-dir", dataDir];
  args.push("--http-port", "0", "--grpc-port", "0", "--log-level", "info");
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  createInterface({ input: child.stderr! }).on("line", (line) => logs.push(line));
  const ready = new Promise<number>((done, fail) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      logs.push(line);
      const entry = parse(line);
      if (entry?.msg === "weft ready" && typeof entry.grpcPort === "number") done(entry.grpcPort);
    });
    void exited.then((code) =>
      fail(new Error(`weft run exited with ${code} before it was ready:\n${logs.join("\n")}`)),
    );
    setTimeout(
      () => fail(new Error(`weft run was not ready in time:\n${logs.join("\n")}`)),
      READY_TIMEOUT_MS,
    ).unref();
  });
  let grpcPort: number;
  try {
    grpcPort = await ready;
  } catch (error) {
    await kill(child, exited);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    address: `127.0.0.1:${grpcPort}`,
    grpcPort,
    pid: child.pid!,
    logs,
    stop: async () => {
      await kill(child, exited);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function kill(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
