/**
 * The HTTP API: Dapr's workflow routes under `/v1.0`, `/v1.0-beta1` and `/v1.0-alpha1` (identical under each),
 * the older documented forms beside them, Weft's own routes under `/weft/v1`, and whatever plugins the caller
 * adds (the pub/sub publish route, say). It only talks to the engine through `runtime.service`, an
 * InstanceManagement (engine/management.ts).
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  LogController,
} from "fastify";
import type { ComponentResource } from "../../components/resources.js";
import { quote } from "../../core/input-rules.js";
import { silentLogger } from "../../core/logger.js";
import { ComponentError, EngineWorkflowComponent } from "../../engine/workflow-component.js";
import { requireApiToken } from "./auth.js";
import { answerClientError } from "./client-errors.js";
import { openWorkflowComponents } from "./components.js";
import type { HttpRuntime, RouteContext } from "./context.js";
import { type Operation, toErrorAnswer } from "./errors.js";
import { bulkRoutes } from "./routes/bulk.js";
import { instanceRoutes } from "./routes/instances.js";
import { overviewRoutes } from "./routes/overview.js";
import { OPEN_ROUTES, sidecarRoutes } from "./routes/sidecar.js";
import { startRoutes } from "./routes/start.js";
import { weftRoutes } from "./routes/weft.js";
import { isUiPath, uiRoutes } from "./ui.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Picks Dapr's per-operation error code for failures that have no more specific one. */
    operation?: Operation;
  }
}

export const API_VERSIONS = ["v1.0", "v1.0-beta1", "v1.0-alpha1"] as const;
/** Dapr's default `--max-body-size`. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_WAIT_SECONDS = 60;

export interface HttpAppOptions {
  /** A started runtime (a WorkflowRuntime). */
  runtime: HttpRuntime;
  /** Components loaded from `--resources-path`; `workflow.dapr` ones become extra workflow component names. */
  resources?: readonly ComponentResource[];
  /** When set, every route but health requires this `dapr-api-token` header. */
  apiToken?: string;
  /** Largest accepted request body, in bytes (413 above). */
  maxBodyBytes?: number;
  /** Upper bound of the status URL's long poll (`?wait=`). */
  maxWaitSeconds?: number;
  /**
   * Whether a workflow name this process has not registered may still run on a remote (gRPC) worker. Without it
   * such names are refused at start (400) because nothing could ever run them.
   */
  canRunRemotely?: (workflowName: string) => boolean;
  /** Extra routes, registered after Weft's own (they share the token check, body limit and error format). */
  plugins?: readonly FastifyPluginAsync[];
  /** When set, the dashboard's built files (`dist/ui`) are served from this folder at `/ui`. */
  uiDir?: string;
  logger?: FastifyBaseLogger;
  appId?: string;
  runtimeVersion?: string;
}

export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const closing = new AbortController();
  const canRunRemotely = options.canRunRemotely ?? (() => false);
  const runtime = options.runtime;
  const builtIn = new EngineWorkflowComponent(
    () => runtime.service,
    (name) => runtime.registeredWorkflows.includes(name) || canRunRemotely(name),
  );
  const logger = options.logger;
  const components = openWorkflowComponents(options.resources ?? [], builtIn, (name) =>
    logger ? logger.child({ workflowComponent: name }) : silentLogger,
  );
  const ctx: RouteContext = {
    runtime,
    components,
    builtIn,
    canRunRemotely,
    maxWaitSeconds: options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS,
    closing: closing.signal,
  };
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    routerOptions: {
      // Long enough that an over-long instance id reaches the handler and gets Dapr's 400, not a 404.
      maxParamLength: 1000,
      // Dapr's router cleans `//` and strips a trailing `/`; scripts written against it may rely on that.
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
    },
    clientErrorHandler: answerClientError,
    // Errors fastify raises before routing (a malformed URL) get the same answer shape as the rest.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const { status, body } = toErrorAnswer(error, undefined);
      reply.code(status).send(body);
    },
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorAnswer(error, request.routeOptions.config?.operation);
    // A component logs its own outages once; logging each request it fails would bury the log.
    const logged = error instanceof ComponentError && error.logged;
    if (status >= 500 && !logged) request.log.error({ err: error, url: request.url }, "request failed");
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      errorCode: "ERR_ROUTE_NOT_FOUND",
      message: `no route ${request.method} ${quote(request.url.split("?")[0] ?? "")}; see docs/http-api.md`,
    }),
  );
  if (options.apiToken) {
    // The dashboard's files hold no data (it asks for the token and sends it on each API call), so a browser can
    // load them without one.
    const uiOpen = options.uiDir !== undefined;
    requireApiToken(app, options.apiToken, (path) => OPEN_ROUTES.has(path) || (uiOpen && isUiPath(path)));
  }
  app.addHook("preClose", async () => closing.abort());
  app.addHook("onClose", async () => {
    for (const workflows of new Set(components.values())) await workflows.close();
  });
  // Answers sent while closing (long polls cut short, requests in flight) end their connection, so a client's
  // keep-alive socket cannot hold shutdown up.
  app.addHook("onSend", async (_request, reply) => {
    if (closing.signal.aborted) reply.header("connection", "close");
  });

  // Bodies are payloads passed through as text, whatever their content type, exactly as Dapr does.
  const rawBodies = (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  };
  const workflowApi: FastifyPluginAsync = async (scope) => {
    rawBodies(scope);
    startRoutes(scope, ctx);
    instanceRoutes(scope, ctx);
  };
  for (const version of API_VERSIONS) await app.register(workflowApi, { prefix: `/${version}` });
  weftRoutes(app, ctx);
  overviewRoutes(app, ctx);
  if (options.uiDir !== undefined) await uiRoutes(app, options.uiDir);
  await app.register(async (scope) => {
    rawBodies(scope);
    bulkRoutes(scope, ctx);
  });
  sidecarRoutes(app, {
    appId: options.appId ?? "weft",
    runtimeVersion: options.runtimeVersion ?? "weft",
    resources: options.resources ?? [],
  });
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
}
