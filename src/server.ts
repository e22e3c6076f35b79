/**
 * The composition root of `weft run`: the only place that picks a store, executors and servers.
 * Each section below is owned by the module it wires (store: store/, gRPC: api/grpc, HTTP: api/http,
 * triggers: components/) and stays a few lines. Every section registers how to close what it opened;
 * `close()` runs those in reverse order, so the edges stop taking requests before the engine and the store stop.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import { type Logger, pino } from "pino";
import { GrpcSidecar } from "./api/grpc/sidecar.js";
import { createHttpApp } from "./api/http/app.js";
import { eventStreamRoutes } from "./api/http/routes/events.js";
import { publishRoutes } from "./api/http/routes/publish.js";
import { planTriggers } from "./components/plan.js";
import { loadResources, type Resources } from "./components/resources.js";
import { TriggerManager } from "./components/triggers.js";
import { loadWorkflowSettings } from "./components/workflow-settings.js";
import { WeftError } from "./core/errors.js";
import { openEmbeddedStore } from "./embedded-runtime.js";
import { observeAll } from "./engine/lifecycle.js";
import { LifecycleRelay } from "./observability/lifecycle-relay.js";
import { WorkflowMetrics } from "./observability/metrics.js";
import { listenMetrics, metricsRoute } from "./observability/metrics-http.js";
import { tracingFromEnv } from "./observability/tracing.js";
import { workflowEventsSinks } from "./observability/workflow-events.js";
import { loadAppModule } from "./sdk/app-module.js";
import { WorkflowRuntime } from "./sdk/runtime.js";
import { postgresOptionsFromUrl } from "./store/postgres/connection.js";
import { PostgresSlots } from "./store/postgres/limits.js";
import { PostgresStore } from "./store/postgres/postgres-store.js";
import type { Store, StoreStatistics } from "./store/store.js";
import { WEFT_VERSION } from "./version.js";

export interface ServerOptions {
  /** Path of the user's app module (.js, .mjs or .ts) whose default export registers workflows and activities. */
  appModule?: string;
  /** Folder of the embedded SQLite database (default `.weft` in the working directory). */
  dataDir: string;
  /** A store to use instead of the embedded SQLite file; the caller closes it. */
  store?: Store;
  /** A store to open by URL (`--store`, `WEFT_STORE`) instead of the embedded SQLite file. */
  storeUrl?: string;
  httpHost: string;
  httpPort: number;
  grpcHost: string;
  grpcPort: number;
  resourcesPath?: string;
  /** A Dapr Configuration file (`--config`): its `spec.workflow` sets limits and retention. */
  configFile?: string;
  apiToken?: string;
  maxBodyBytes: number;
  /** Serve the dashboard's built files from this folder at `/ui` (`weft run` passes dist/ui unless --no-ui). */
  uiDir?: string;
  logger?: Logger;
  /** Prometheus metrics at `GET /metrics` (default true); false also stops recording them. */
  metrics?: boolean;
  /** Also serve `/metrics` alone, without the API token, on this port (Dapr's `--metrics-port`). */
  metricsPort?: number;
  /**
   * Keep lifecycle events in the store's outbox and stream them at `GET /weft/v1/events`; on by itself when a
   * `WorkflowEvents` resource asks for them to be published.
   */
  lifecycleEvents?: boolean;
}

export interface RunningServer {
  runtime: WorkflowRuntime;
  /** The port HTTP listens on (the real one when 0 was asked for). */
  httpPort: number;
  /** Set once the gRPC sidecar listens. */
  grpcPort?: number;
  /** Set when metrics have a port of their own. */
  metricsPort?: number;
  /** Stops taking requests, lets the engine finish in-flight work, then closes the store. */
  close(): Promise<void>;
}

type Closer = { name: string; close: () => Promise<void> };

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.logger ?? pino({ level: "silent" });
  const closers: Closer[] = [];
  const close = () => closeAll(closers, log);
  try {
    // --- Resources: Dapr component YAML; workflow components go to HTTP, the rest to triggers ---
    const resources: Resources | undefined = options.resourcesPath
      ? await loadResources(options.resourcesPath)
      : undefined;
    const triggerPlan = planTriggers(resources ?? { components: [], subscriptions: [], others: [] });
    const workflowSettings = await loadWorkflowSettings(options.configFile, resources);
    const eventSinks = workflowEventsSinks(resources?.others ?? []);
    const lifecycleEvents = options.lifecycleEvents === true || eventSinks.length > 0;

    // One clock for the store and the engine (a given store keeps its own).
    const clock = Date.now;

    // --- Store: the one given, one opened by URL, or the embedded SQLite file in dataDir ---
    const store =
      options.store ??
      (options.storeUrl
        ? await openStore(options.storeUrl, log, lifecycleEvents, clock)
        : openEmbeddedStore({ databasePath: join(options.dataDir, "weft.db"), lifecycleEvents, clock }));
    if (!options.store) closers.push({ name: "store", close: () => store.close() });
    const slots =
      store instanceof PostgresStore && options.storeUrl ? new PostgresSlots(options.storeUrl) : undefined;
    if (slots) closers.push({ name: "limits", close: () => slots.close() });

    // --- Engine and the user's app module; names the app does not register run on gRPC workers ---
    const sidecar = new GrpcSidecar({
      apiToken: options.apiToken,
      maxMessageBytes: options.maxBodyBytes,
      logger: log.child({ component: "grpc" }),
    });
    // --- Observability: metrics subscribe to the engine's lifecycle facts and read the store's statistics ---
    const metrics: WorkflowMetrics | undefined =
      options.metrics === false
        ? undefined
        : new WorkflowMetrics({
            appId: process.env.APP_ID || undefined,
            namespace: process.env.NAMESPACE || undefined,
            statistics: (now): Promise<StoreStatistics> =>
              runtime.store?.statistics(now) ?? Promise.reject(new Error("the store is not open")),
            workerStreams: () => sidecar.workerStreams,
          });
    // Traces only when the OTLP environment variables name an endpoint.
    const tracing = tracingFromEnv();
    if (tracing) closers.push({ name: "tracing", close: () => tracing.shutdown() });
    const runtime: WorkflowRuntime = new WorkflowRuntime({
      store,
      clock,
      workflowSettings,
      slots,
      remote: sidecar.router,
      logger: log.child({ component: "engine" }),
      observe: observeAll([metrics?.observe, tracing?.observe].filter((o) => o !== undefined)),
      traces: tracing,
    });
    if (options.appModule) await loadAppModule(options.appModule, runtime);
    await runtime.start();
    closers.push({ name: "engine", close: () => runtime.stop() });

    // --- gRPC sidecar: the Durable Task protocol of Dapr's workflow SDKs ---
    sidecar.attach(runtime);
    const grpcPort = await sidecar.listen(options.grpcHost, options.grpcPort);
    closers.push({ name: "grpc", close: () => sidecar.close() });

    // --- Triggers: subscriptions, input bindings and cron schedules start workflows; Dapr's publish API ---
    const triggers = new TriggerManager(triggerPlan, {
      service: runtime.service,
      logger: log.child({ component: "triggers" }),
    });
    await triggers.start();
    closers.push({ name: "triggers", close: () => triggers.close() });

    // --- Lifecycle events: the store's outbox, relayed to WorkflowEvents' topics and streamed over SSE ---
    const eventLog = lifecycleEvents ? runtime.store?.lifecycleEvents : undefined;
    if (lifecycleEvents && !eventLog) {
      throw new WeftError(
        "failed_precondition",
        "lifecycle events are asked for but the given store keeps none",
      );
    }
    const onChange = (listener: () => void) =>
      runtime.store!.watch((event) => {
        if (event.kind === "instance-changed") listener();
      });
    if (eventLog && eventSinks.length > 0) {
      for (const sink of eventSinks) {
        if (!triggers.pubsubNames.includes(sink.pubsubName)) {
          throw new WeftError(
            "invalid_argument",
            `${sink.file}: spec.pubsubname: no pub/sub component named '${sink.pubsubName}'`,
          );
        }
      }
      const relay = new LifecycleRelay({
        log: eventLog,
        sinks: eventSinks,
        publisher: triggers,
        owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
        logger: log.child({ component: "lifecycle-events" }),
      });
      relay.start();
      const unwatch = onChange(() => relay.wake());
      closers.push({
        name: "lifecycle-events",
        close: async () => {
          unwatch();
          await relay.close();
        },
      });
    }

    // --- HTTP API (Dapr workflow routes, Weft's routes, plugins such as pub/sub publish) ---
    const httpPlugins: FastifyPluginAsync[] = [publishRoutes(triggers)];
    if (metrics) httpPlugins.push(metricsRoute(metrics));
    if (eventLog) httpPlugins.push(eventStreamRoutes({ log: eventLog, onChange }));
    const http = await createHttpApp({
      runtime,
      resources: resources?.components,
      apiToken: options.apiToken,
      maxBodyBytes: options.maxBodyBytes,
      canRunRemotely: () => sidecar.hasWorkers,
      plugins: httpPlugins,
      uiDir: options.uiDir,
      logger: log.child({ component: "http" }),
      runtimeVersion: `weft-${WEFT_VERSION}`,
    });
    await http.listen({ host: options.httpHost, port: options.httpPort });
    closers.push({ name: "http", close: () => http.close() });
    const address = http.server.address();
    const httpPort = typeof address === "object" && address ? address.port : options.httpPort;

    // --- Metrics on a port of their own (Dapr's metrics port), on the HTTP API's interface ---
    let metricsPort: number | undefined;
    if (metrics && options.metricsPort !== undefined) {
      const server = await listenMetrics(metrics, options.httpHost, options.metricsPort);
      closers.push({ name: "metrics", close: () => server.close() });
      metricsPort = server.port;
    }

    return { runtime, httpPort, grpcPort, metricsPort, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Store URLs (`--store`, `WEFT_STORE`): each store kind adds its scheme here. */
async function openStore(
  url: string,
  log: Logger,
  lifecycleEvents: boolean,
  clock: () => number,
): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1] ?? url;
  if (scheme === "postgres" || scheme === "postgresql") {
    return PostgresStore.open({
      ...postgresOptionsFromUrl(url),
      lifecycleEvents,
      logger: log.child({ component: "store" }),
      clock,
    });
  }
  throw new WeftError(
    "invalid_argument",
    `unsupported store URL scheme '${scheme}'; use postgres://..., or leave --store out for the embedded SQLite store`,
  );
}

async function closeAll(closers: Closer[], log: Logger): Promise<void> {
  for (const closer of closers.splice(0).reverse()) {
    try {
      log.info({ part: closer.name }, "closing");
      await closer.close();
    } catch (error) {
      log.error({ err: error, part: closer.name }, "closing failed");
    }
  }
}
