/**
 * The work a turn leaves besides its history: activity tasks to run and messages for inboxes. These shapes sit
 * below apply.ts, instance.ts and rerun.ts (which all use them), so the three do not import each other in a circle.
 */
import type { InboxEvent } from "./history.js";

/** An activity to run: the durable task row the store keeps until its result is recorded. */
export interface ActivityTask {
  instanceId: string;
  executionId: string;
  /** The eventId of the TaskScheduled event; the result must reference it. */
  taskId: number;
  name: string;
  input?: string;
  taskExecutionId?: string;
}

/** An event for some instance's inbox, visible from `visibleAt` on (timers are future-visible messages). */
export interface OutboxMessage {
  instanceId: string;
  /** When set, the message is dropped if the instance has moved on to another execution (continue-as-new). */
  executionId?: string;
  event: InboxEvent;
  visibleAt: number;
}
