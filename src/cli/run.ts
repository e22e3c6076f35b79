/**
 * `weft run`: starts the engine, the HTTP API and whatever else server.ts wires, logs one `weft ready` line once
 * everything listens, and shuts down gracefully on SIGTERM/SIGINT (a second signal exits at once).
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { Option } from "commander";
import { type Logger, pino } from "pino";
import { DEFAULT_MAX_BODY_BYTES } from "../api/http/app.js";
import { DEFAULT_UI_DIR } from "../api/http/ui.js";
import { startServer } from "../server.js";
import { parsePort, parseSize } from "./options.js";

interface RunFlags {
  app?: string;
  dataDir: string;
  httpHost: string;
  httpPort: number;
  grpcHost: string;
  grpcPort: number;
  resourcesPath?: string;
  config?: string;
  maxBodySize: number;
  store?: string;
  logLevel: string;
  ui: boolean;
  metrics: boolean;
  metricsPort?: number;
  lifecycleEvents?: boolean;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** How long a process whose parts are all closed may take to exit before it is made to. */
const EXIT_GRACE_MS = 5_000;

export function runCommand(program: Command): void {
  program
    .command("run")
    .description("start the Weft server: engine, Dapr workflow HTTP API, and your app's workflows")
    .option("--app <module>", "app module (.js, .mjs or .ts) whose default export registers workflows")
    .option("--data-dir <dir>", "folder of the embedded SQLite database", ".weft")
    .addOption(
      new Option("--http-port <port>", "HTTP API port (0: any free port)")
        .env("DAPR_HTTP_PORT")
        .default(3500)
        .argParser(parsePort),
    )
    .option("--http-host <host>", "interface the HTTP API listens on", "127.0.0.1")
    .addOption(
      new Option("--grpc-port <port>", "gRPC (Durable Task) port")
        .env("DAPR_GRPC_PORT")
        .default(50001)
        .argParser(parsePort),
    )
    .option("--grpc-host <host>", "interface the gRPC API listens on", "127.0.0.1")
    .option("--resources-path <dir>", "folder of Dapr component YAML files")
    .option(
      "--config <file>",
      "Dapr Configuration YAML: spec.workflow limits and retention (docs/operations.md)",
    )
    .addOption(
      new Option("--max-body-size <size>", "largest request body, e.g. 4Mi")
        .default(DEFAULT_MAX_BODY_BYTES, "4Mi")
        .argParser(parseSize),
    )
    .option("--no-ui", "do not serve the web dashboard at /ui")
    .option("--no-metrics", "neither record nor serve Prometheus metrics")
    .addOption(
      new Option("--metrics-port <port>", "also serve GET /metrics alone on this port, without the API token")
        .env("WEFT_METRICS_PORT")
        .argParser(parsePort),
    )
    .option(
      "--lifecycle-events",
      "keep workflow lifecycle events and stream them at GET /weft/v1/events (on by itself with a WorkflowEvents resource)",
    )
    .addOption(new Option("--store <url>", "store URL instead of the embedded SQLite file").env("WEFT_STORE"))
    .addOption(
      new Option("--log-level <level>", "log level")
        .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
        .env("WEFT_LOG_LEVEL")
        .default("info"),
    )
    .action(async (flags: RunFlags) => {
      await run(flags);
    });
}

async function run(flags: RunFlags): Promise<void> {
  const log = pino({ level: flags.logLevel, base: { pid: process.pid } });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      appModule: flags.app,
      dataDir: resolve(flags.dataDir),
      storeUrl: flags.store,
      httpHost: flags.httpHost,
      httpPort: flags.httpPort,
      grpcHost: flags.grpcHost,
      grpcPort: flags.grpcPort,
      resourcesPath: flags.resourcesPath,
      configFile: flags.config,
      apiToken: process.env.DAPR_API_TOKEN || undefined,
      maxBodyBytes: flags.maxBodySize,
      uiDir: flags.ui ? DEFAULT_UI_DIR : undefined,
      logger: log,
      metrics: flags.metrics,
      metricsPort: flags.metricsPort,
      lifecycleEvents: flags.lifecycleEvents,
    });
  } catch (error) {
    log.fatal({ err: error }, `weft failed to start: ${(error as Error).message}`);
    log.flush();
    process.exitCode = 1;
    return;
  }
  if (!process.env.DAPR_API_TOKEN && !LOOPBACK.has(flags.httpHost)) {
    log.warn(
      { httpHost: flags.httpHost },
      "the HTTP API is reachable beyond this machine without an API token: set DAPR_API_TOKEN",
    );
  }
  log.info(
    {
      httpHost: flags.httpHost,
      httpPort: server.httpPort,
      grpcPort: server.grpcPort,
      ui: flags.ui ? `http://${urlHost(flags.httpHost)}:${server.httpPort}/ui` : undefined,
      metricsPort: server.metricsPort,
      dataDir: flags.store ? undefined : resolve(flags.dataDir),
      workflows: server.runtime.registeredWorkflows,
      activities: server.runtime.registeredActivities,
    },
    "weft ready",
  );
  onShutdownSignal(log, () => server.close());
}

/** A host as it goes in a URL: IPv6 addresses in brackets. */
function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function onShutdownSignal(log: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting without waiting");
      log.flush();
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "weft stopping: finishing in-flight work");
    close().then(
      () => {
        log.info("weft stopped");
        log.flush();
        // Everything Weft opened is closed; a handle some library left open must not keep the process alive.
        setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
      },
      (error: unknown) => {
        log.error({ err: error }, "weft stopped with an error");
        log.flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
