/**
 * Where a trigger sends its events: start a named workflow, or raise a named event on an instance. Read from
 * metadata (a Subscription's `spec.metadata`, a binding component's `spec.metadata`), so the resources stay in
 * Dapr's shapes; the same keys mean the same thing on every trigger.
 */
import type { MetadataReader } from "./metadata.js";
import { type FieldPath, InstanceIdTemplate, parseFieldPath } from "./template.js";

export const ON_EXISTS = ["ignore", "terminate-and-restart", "error", "raise-event"] as const;
/** What a start does when an instance with the id already exists (active or finished). */
export type OnExists = (typeof ON_EXISTS)[number];

/** The id the seeds suggest: the CloudEvent's source and id. */
export const DEFAULT_INSTANCE_ID_TEMPLATE = "{{.source}}-{{.id}}";

export type WorkflowRoute =
  | {
      action: "start";
      workflowName: string;
      instanceId: InstanceIdTemplate;
      input: FieldPath;
      onExists: OnExists;
      /** The event raised on the existing instance when `onExists` is `raise-event`. */
      eventName?: string;
    }
  | { action: "raise-event"; eventName: string; instanceId: InstanceIdTemplate; input: FieldPath };

/** Reads the routing keys: `workflowName` | `eventName`, `instanceIdTemplate`, `inputPath`, `onExists`. */
export function readRoute(md: MetadataReader): WorkflowRoute {
  const workflowName = md.optional("workflowName");
  const eventName = md.optional("eventName");
  const template = md.optional("instanceIdTemplate");
  const input = readPath(md, "inputPath", ".data");
  const onExists = md.oneOf("onExists", ON_EXISTS, "ignore");
  if (workflowName) {
    if (onExists === "raise-event" && !eventName)
      throw md.invalid("eventName", "is required when onExists is raise-event");
    if (onExists !== "raise-event" && eventName)
      throw md.invalid("eventName", "is only used with onExists: raise-event (or without workflowName)");
    return {
      action: "start",
      workflowName,
      instanceId: readTemplate(md, template ?? DEFAULT_INSTANCE_ID_TEMPLATE),
      input,
      onExists,
      ...(eventName ? { eventName } : {}),
    };
  }
  if (!eventName)
    throw md.invalid("workflowName", "is required (or eventName with instanceIdTemplate, to raise an event)");
  if (!template) throw md.invalid("instanceIdTemplate", "is required to raise an event on an instance");
  if (md.has("onExists")) throw md.invalid("onExists", "applies to starting a workflow (set workflowName)");
  return { action: "raise-event", eventName, instanceId: readTemplate(md, template), input };
}

function readTemplate(md: MetadataReader, text: string): InstanceIdTemplate {
  try {
    return InstanceIdTemplate.parse(text);
  } catch (error) {
    throw md.invalid("instanceIdTemplate", (error as Error).message);
  }
}

function readPath(md: MetadataReader, key: string, fallback: string): FieldPath {
  try {
    return parseFieldPath(md.string(key, fallback));
  } catch (error) {
    throw md.invalid(key, (error as Error).message);
  }
}
