/**
 * `kind: WorkflowEvents` resources (in `--resources-path`, beside Dapr's components): each publishes the lifecycle
 * events of the workflows it selects to a topic of a pub/sub component, as CloudEvents. docs/observability.md
 * documents the format:
 *
 *   apiVersion: weft.dev/v1alpha1
 *   kind: WorkflowEvents
 *   metadata: { name: order-events }
 *   spec: { pubsubname: orders-bus, topic: workflow-events, workflows: [ProcessOrder], events: [completed, failed] }
 */
import { z } from "zod";
import type { EventRecord } from "../components/cloud-event.js";
import type { OtherResource } from "../components/resources.js";
import { WeftError } from "../core/errors.js";
import { LIFECYCLE_EVENT_TYPES, type LifecycleEventType } from "../core/lifecycle-events.js";
import type { StoredLifecycleEvent } from "../store/store.js";

export const WORKFLOW_EVENTS_KIND = "WorkflowEvents";

const specSchema = z
  .object({
    pubsubname: z.string().min(1),
    topic: z.string().min(1),
    /** Only these workflow names (default: all). */
    workflows: z.array(z.string().min(1)).min(1).optional(),
    /** Only these event types (default: all). */
    events: z.array(z.enum(LIFECYCLE_EVENT_TYPES)).min(1).optional(),
  })
  .strict();

/** Which events a subscriber wants: by workflow name and by event type; an absent list takes all. */
export interface EventFilter {
  workflows?: ReadonlySet<string>;
  types?: ReadonlySet<LifecycleEventType>;
}

export interface WorkflowEventsSink {
  name: string;
  pubsubName: string;
  topic: string;
  filter: EventFilter;
  file: string;
}

export function workflowEventsSinks(others: readonly OtherResource[]): WorkflowEventsSink[] {
  return others
    .filter((r) => r.kind === WORKFLOW_EVENTS_KIND)
    .map((r) => {
      if (r.apiVersion !== "weft.dev/v1alpha1") {
        throw new WeftError("invalid_argument", `${r.file}: apiVersion: use weft.dev/v1alpha1 for ${r.kind}`);
      }
      const parsed = specSchema.safeParse(r.spec);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new WeftError("invalid_argument", `${r.file}: spec.${issue.path.join(".")}: ${issue.message}`);
      }
      const { pubsubname, topic, workflows, events } = parsed.data;
      return {
        name: r.name,
        pubsubName: pubsubname,
        topic,
        filter: { workflows: workflows && new Set(workflows), types: events && new Set(events) },
        file: r.file,
      };
    });
}

export function matches(filter: EventFilter, { event }: StoredLifecycleEvent): boolean {
  return (
    (!filter.workflows || filter.workflows.has(event.workflowName)) &&
    (!filter.types || filter.types.has(event.type))
  );
}

/**
 * The CloudEvent of a lifecycle event, the same on a broker and on the SSE stream. Its id is the outbox id, so a
 * redelivery (at least once) carries the id of the first delivery and consumers can drop duplicates by it.
 */
export function lifecycleCloudEvent(stored: StoredLifecycleEvent, source: string): EventRecord {
  const { event } = stored;
  return {
    specversion: "1.0",
    id: stored.id,
    source,
    type: `weft.workflow.${event.type}`,
    subject: event.instanceId,
    time: new Date(event.time).toISOString(),
    datacontenttype: "application/json",
    data: event,
  };
}
