/**
 * What workflow code asks the engine to do in one turn. Each action carries the sequence number that becomes
 * the eventId of the history event recording it, so completions can find the task they complete.
 */
import type { FailureDetails } from "./failure.js";
import type { EventRaised, TerminalStatus } from "./history.js";

export interface ScheduleTask {
  type: "ScheduleTask";
  id: number;
  name: string;
  input?: string;
  taskExecutionId?: string;
}

export interface CreateTimer {
  type: "CreateTimer";
  id: number;
  fireAt: number;
}

export interface CreateChildWorkflow {
  type: "CreateChildWorkflow";
  id: number;
  instanceId: string;
  name: string;
  input?: string;
}

export interface SendEvent {
  type: "SendEvent";
  id: number;
  instanceId: string;
  name: string;
  input?: string;
}

export interface CompleteWorkflow {
  type: "CompleteWorkflow";
  id: number;
  status: TerminalStatus | "CONTINUED_AS_NEW";
  /** The output; for CONTINUED_AS_NEW the input of the next execution. */
  result?: string;
  failure?: FailureDetails;
  /** CONTINUED_AS_NEW only: external events not yet consumed, handed to the next execution. */
  carryoverEvents?: EventRaised[];
}

export type WorkflowAction = ScheduleTask | CreateTimer | CreateChildWorkflow | SendEvent | CompleteWorkflow;

/** Everything one workflow turn produced. Executors (in-process or remote) all answer with this. */
export interface TurnResult {
  actions: WorkflowAction[];
  /** `undefined` leaves the custom status as it was. */
  customStatus?: string;
  /** Patch names first seen in this turn; recorded so replays answer isPatched the same way. */
  patches?: string[];
}
