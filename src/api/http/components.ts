/**
 * Workflow components: the built-in `dapr` one (no file needed) plus `workflow.dapr` components loaded from
 * `--resources-path`. Every one of them is the built-in engine under another name, as in Dapr.
 */
import type { ComponentResource } from "../../components/resources.js";
import { WeftError } from "../../core/errors.js";

export const BUILT_IN_COMPONENT = "dapr";
const BUILT_IN_TYPE = "workflow.dapr";

/** The names a route's component segment may use; a workflow component of another type is a startup error. */
export function workflowComponentNames(resources: readonly ComponentResource[]): string[] {
  const names = [BUILT_IN_COMPONENT];
  for (const component of resources) {
    if (!component.type.startsWith("workflow.")) continue;
    if (component.type !== BUILT_IN_TYPE) {
      throw new WeftError(
        "invalid_argument",
        `${component.file}: spec.type: workflow component '${component.name}' has type '${component.type}'; ` +
          `Weft runs the built-in engine only (type '${BUILT_IN_TYPE}')`,
      );
    }
    if (!names.includes(component.name)) names.push(component.name);
  }
  return names;
}
