import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HttpClient } from "./http-client.js";
import { waitUntil } from "./measure.js";

export interface RestateServer {
  pid: number;
  ingress: HttpClient;
  admin: HttpClient;
  /** Registers the SDK endpoint at `uri` as a deployment, so the server discovers its services. */
  register(uri: string): Promise<void>;
  /** Runs a SQL query against the server's introspection tables (sys_invocation, ...). */
  query<Row>(sql: string): Promise<Row[]>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the tiny race before the server binds is acceptable here). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts restate-server on a temp data dir and free loopback ports, with its default durability (RocksDB WAL
 * fsync on). Telemetry is off only because this machine has no route out.
 */
export async function startRestateServer(binary: string): Promise<RestateServer> {
  const baseDir = await mkdtemp(join(tmpdir(), "weft-bench-restate-"));
  const [ingressPort, adminPort, fabricPort] = [await freePort(), await freePort(), await freePort()];
  const configPath = join(baseDir, "restate.toml");
  await writeFile(
    configPath,
    [
      "disable-telemetry = true",
      "[ingress]",
      `bind-address = "127.0.0.1:${ingressPort}"`,
      "[admin]",
      `bind-address = "127.0.0.1:${adminPort}"`,
      "",
    ].join("\n"),
  );
  const logPath = join(baseDir, "server.log");
  const log = createWriteStream(logPath);
  const child = spawn(
    binary,
    [
      "--no-logo",
      "--config-file",
      configPath,
      "--base-dir",
      baseDir,
      "--node-name",
      "bench",
      "--listen-mode",
      "tcp",
      "--bind-address",
      `127.0.0.1:${fabricPort}`,
      "--advertised-address",
      `http://127.0.0.1:${fabricPort}`,
      "--log-format",
      "compact",
      "--log-disable-ansi-codes",
      "true",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });

  const ingress = new HttpClient(`http://127.0.0.1:${ingressPort}`);
  const admin = new HttpClient(`http://127.0.0.1:${adminPort}`, 16);
  const stop = async (): Promise<void> => {
    ingress.close();
    admin.close();
    await terminate(child);
    log.end();
    await rm(baseDir, { recursive: true, force: true });
  };

  try {
    await waitUntil(
      "restate admin and ingress health",
      async () => {
        if (exited) throw new Error("restate-server exited during start-up");
        return (await healthy(admin, "/health")) && (await healthy(ingress, "/restate/health"));
      },
      60_000,
    );
  } catch (error) {
    const tail = (await readFile(logPath, "utf8").catch(() => "")).slice(-2000);
    await stop();
    throw new Error(`${(error as Error).message}\n--- restate-server log tail ---\n${tail}`);
  }

  return {
    pid: child.pid!,
    ingress,
    admin,
    register: async (uri) => {
      await admin.postJson("/deployments", { uri, force: true });
    },
    query: async <Row>(sql: string) => (await admin.postJson<{ rows: Row[] }>("/query", { query: sql })).rows,
    stop,
  };
}

async function healthy(client: HttpClient, path: string): Promise<boolean> {
  try {
    return (await client.send("GET", path)).status === 200;
  } catch {
    return false;
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Path of the restate-server binary shipped in the platform package that npm installed next to the wrapper. */
export function restateBinary(installDir: string): string {
  const platform = `${process.platform}-${process.arch}`;
  return join(
    installDir,
    "node_modules",
    "@restatedev",
    `restate-server-${platform}`,
    "bin",
    "restate-server",
  );
}

/** Inactivity timeout of the W5 waiting workflow (see restate-endpoint.ts for why it is set). */
export const RESTATE_WAIT_INACTIVITY_TIMEOUT_MS = 1_000;

export const RESTATE_ENDPOINT_SCRIPT = fileURLToPath(new URL("./restate-endpoint.ts", import.meta.url));
