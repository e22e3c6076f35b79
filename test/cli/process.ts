/** Runs the CLI from source (no stale build) as a child process, the way users and other tests run `weft`. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = resolve(ROOT, "src/cli/main.ts");

export interface ReadyLine {
  msg: string;
  httpHost: string;
  httpPort: number;
  workflows: string[];
}

export interface ServerProcess {
  child: ChildProcess;
  ready: Promise<ReadyLine>;
  exited: Promise<number | null>;
  output(): string;
  url(path: string): string;
}

/** Starts `weft run` on free ports (`--http-port 0` unless `httpPortFlag` is false, e.g. to test DAPR_HTTP_PORT). */
export function launch(args: string[], env: NodeJS.ProcessEnv = {}, httpPortFlag = true): ServerProcess {
  const ports = httpPortFlag ? ["--http-port", "0", "--grpc-port", "0"] : ["--grpc-port", "0"];
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "run", ...ports, ...args], {
    cwd: ROOT,
    env: { ...process.env, DAPR_API_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let ready: ReadyLine | undefined;
  const readyPromise = new Promise<ReadyLine>((resolveReady, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk;
      for (const line of out.split("\n")) {
        if (!ready && line.includes('"weft ready"')) {
          ready = JSON.parse(line) as ReadyLine;
          resolveReady(ready);
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk));
    child.on("exit", (code) => reject(new Error(`weft exited with ${code} before it was ready:\n${out}`)));
  });
  readyPromise.catch(() => {});
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    ready: readyPromise,
    exited,
    output: () => out,
    url: (path) => {
      if (!ready) throw new Error("not ready");
      return `http://127.0.0.1:${ready.httpPort}${path}`;
    },
  };
}

/** Runs a one-shot `weft <args>` command to completion. */
export function weft(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      ["--import", "tsx", MAIN, ...args],
      { cwd: ROOT, env: { ...process.env, DAPR_API_TOKEN: "", ...env } },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code as number) : 0;
        resolveRun({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
  });
}
