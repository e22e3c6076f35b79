/**
 * Workflow components by name: the built-in `dapr` one (no file needed), `workflow.dapr` components loaded from
 * `--resources-path` (other names for the built-in engine, as in Dapr) and `workflow.temporal` components (a
 * Temporal cluster, see docs/components.md). Any other workflow type is a startup error.
 */
import type { ComponentResource } from "../../components/resources.js";
import { TemporalWorkflowComponent } from "../../components/temporal/temporal-component.js";
import { readTemporalConfig, type TemporalConfig } from "../../components/temporal/temporal-config.js";
import { WeftError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { WorkflowComponent } from "../../engine/workflow-component.js";

export const BUILT_IN_COMPONENT = "dapr";
const BUILT_IN_TYPE = "workflow.dapr";
const TEMPORAL_TYPE = "workflow.temporal";

/**
 * Checks every workflow component first (so a mistake stops startup before anything connects), then opens
 * them. Temporal connections are lazy: an unreachable cluster does not stop Weft, its routes answer 503.
 */
export function openWorkflowComponents(
  resources: readonly ComponentResource[],
  builtIn: WorkflowComponent,
  loggerFor: (componentName: string) => Logger,
): Map<string, WorkflowComponent> {
  const temporal: TemporalConfig[] = [];
  const names = [BUILT_IN_COMPONENT];
  for (const component of resources) {
    if (!component.type.startsWith("workflow.")) continue;
    if (component.type === TEMPORAL_TYPE) {
      if (component.name === BUILT_IN_COMPONENT) {
        throw new WeftError(
          "invalid_argument",
          `${component.file}: metadata.name: '${BUILT_IN_COMPONENT}' is the built-in engine's name; pick another`,
        );
      }
      temporal.push(readTemporalConfig(component));
    } else if (component.type !== BUILT_IN_TYPE) {
      throw new WeftError(
        "invalid_argument",
        `${component.file}: spec.type: workflow component '${component.name}' has type '${component.type}'; ` +
          `Weft runs '${BUILT_IN_TYPE}' (its built-in engine) and '${TEMPORAL_TYPE}'`,
      );
    }
    if (!names.includes(component.name)) names.push(component.name);
  }
  const components = new Map<string, WorkflowComponent>(names.map((name) => [name, builtIn]));
  for (const config of temporal) {
    components.set(config.component, new TemporalWorkflowComponent(config, loggerFor(config.component)));
  }
  return components;
}
