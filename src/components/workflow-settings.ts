/** The workflow settings of `weft run`: from `--config` and from the Configuration resources of `--resources-path`. */

import {
  combineSettings,
  loadConfigurationFile,
  parseConfiguration,
  type WorkflowSettings,
} from "../config/workflow-config.js";
import type { Resources } from "./resources.js";

export async function loadWorkflowSettings(
  configFile: string | undefined,
  resources: Resources | undefined,
): Promise<WorkflowSettings> {
  const sources: WorkflowSettings[] = [];
  if (configFile) sources.push(await loadConfigurationFile(configFile));
  for (const other of resources?.others ?? []) {
    if (other.kind !== "Configuration") continue;
    const { apiVersion, kind, name, spec } = other;
    sources.push(parseConfiguration({ apiVersion, kind, metadata: { name }, spec }, other.file));
  }
  return combineSettings(sources);
}
