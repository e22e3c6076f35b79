/**
 * The sidecar routes Dapr clients rely on besides workflows: health (open even with an API token, as in Dapr)
 * and metadata, which `DaprClient` polls to learn that the sidecar is up.
 */
import type { FastifyInstance } from "fastify";
import type { ComponentResource } from "../../../components/resources.js";
import { BUILT_IN_COMPONENT } from "../components.js";

/** Routes that answer without the API token (Dapr: `isRouteExcludedFromAPITokenAuth`). */
export const OPEN_ROUTES = new Set(["/v1.0/healthz", "/v1.0/healthz/outbound"]);

export interface SidecarInfo {
  appId: string;
  runtimeVersion: string;
  resources: readonly ComponentResource[];
}

export function sidecarRoutes(app: FastifyInstance, info: SidecarInfo): void {
  for (const path of OPEN_ROUTES) app.get(path, async (_request, reply) => reply.code(204).send());

  const components = [
    { name: BUILT_IN_COMPONENT, type: "workflow.dapr", version: "v1", capabilities: [] },
    ...info.resources.map((c) => ({
      name: c.name,
      type: c.type,
      version: c.version ?? "",
      capabilities: [],
    })),
  ];
  app.get("/v1.0/metadata", { config: { operation: "metadata" } }, async () => ({
    id: info.appId,
    runtimeVersion: info.runtimeVersion,
    enabledFeatures: [],
    components,
  }));
}
