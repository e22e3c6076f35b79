/**
 * Orchestrator work items written as protobuf bytes, with each instance's past events kept encoded between turns.
 * A worker keeps no state between turns, so every turn carries the whole history; encoding it again each turn (and
 * reading it back from the store first) made the sidecar's cost per turn grow with the history. Here a turn encodes
 * only its own events: the past is the bytes of the turns before, appended as each turn is applied.
 *
 * The bytes are the WorkItem message of proto/task-hub-sidecar.proto. Repeated message fields are a concatenation
 * of (tag, length, message) entries, so an event's entry is encoded once (with the protocol's own serializer) and
 * copied into every later turn. `taskHubService()`'s GetWorkItems passes such bytes through as they are.
 */
import type { HistoryEvent } from "../../core/history.js";
import { toWireEvent } from "./translate-events.js";
import type { WireWorkItem } from "./wire.js";

/** What goes out on a GetWorkItems stream: a work item, or one already encoded (a WorkItem message's bytes). */
export type OutgoingWorkItem = WireWorkItem | Uint8Array;

// Field tags (field number << 3 | wire type 2, length-delimited) of the messages written here.
const WORK_ITEM_ORCHESTRATOR_REQUEST = 0x0a; // WorkItem.orchestratorRequest = 1
const REQUEST_INSTANCE_ID = 0x0a; // OrchestratorRequest.instanceId = 1
const REQUEST_EXECUTION_ID = 0x12; // OrchestratorRequest.executionId = 2
// OrchestratorRequest.pastEvents = 3 is 0x1a, the tag of the entries EventEncoder makes.
const REQUEST_NEW_EVENTS = 0x22; // OrchestratorRequest.newEvents = 4
const STRING_VALUE_VALUE = 0x0a; // google.protobuf.StringValue.value = 1

/** The protocol's own WorkItem serializer (proto-loader's), which takes plain objects shaped as in wire.ts. */
export type SerializeWorkItem = (value: object) => Uint8Array;

/** Encodes one event as a pastEvents entry of an OrchestratorRequest. */
export class EventEncoder {
  readonly #serialize: SerializeWorkItem;

  constructor(serializeWorkItem: SerializeWorkItem) {
    this.#serialize = serializeWorkItem;
  }

  /**
   * The entry (tag, length, HistoryEvent) for pastEvents. A WorkItem holding only a request holding only this
   * event is [0x0a, length of the request, entry]: the entry is what follows the first tag and its length.
   */
  pastEntry(event: HistoryEvent): Uint8Array {
    const wrapped = this.#serialize({ orchestratorRequest: { pastEvents: [toWireEvent(event)] } });
    let at = 1;
    while ((wrapped[at]! & 0x80) !== 0) at += 1;
    return wrapped.subarray(at + 1);
  }
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) size += 1;
  return size;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

/**
 * The WorkItem bytes of a turn: `past` is pastEvents entries one after the other (from `EventEncoder.pastEntry`),
 * `fresh` the turn's new events as pastEvents entries too (their tag is rewritten to newEvents').
 */
export function encodeOrchestratorWorkItem(
  instanceId: string,
  executionId: string,
  past: Uint8Array,
  fresh: readonly Uint8Array[],
): Uint8Array {
  const id = Buffer.from(instanceId, "utf8");
  const execution = Buffer.from(executionId, "utf8");
  const executionMessage = 1 + varintSize(execution.length) + execution.length;
  let body = 1 + varintSize(id.length) + id.length;
  body += 1 + varintSize(executionMessage) + executionMessage;
  body += past.length;
  for (const entry of fresh) body += entry.length;
  const out = Buffer.allocUnsafe(1 + varintSize(body) + body);
  let at = 0;
  out[at++] = WORK_ITEM_ORCHESTRATOR_REQUEST;
  at = writeVarint(out, at, body);
  out[at++] = REQUEST_INSTANCE_ID;
  at = writeVarint(out, at, id.length);
  at += id.copy(out, at);
  out[at++] = REQUEST_EXECUTION_ID;
  at = writeVarint(out, at, executionMessage);
  out[at++] = STRING_VALUE_VALUE;
  at = writeVarint(out, at, execution.length);
  at += execution.copy(out, at);
  out.set(past, at);
  at += past.length;
  for (const entry of fresh) {
    out.set(entry, at);
    out[at] = REQUEST_NEW_EVENTS;
    at += entry.length;
  }
  return out;
}
