/**
 * Hostile gRPC requests: for every method of the service definition, a message with hostile field values
 * (serialized with the method's own serializer), sometimes with its bytes mangled, sometimes pure random bytes.
 * Methods without a generator here still get generic fields and raw bytes, so a new method is fuzzed too.
 */
import { taskHubService } from "../../src/api/grpc/service-definition.js";
import { hostileText, hostileTimestamp, nested, type Random } from "./fuzz-values.js";

type Fields = Record<string, unknown>;

function payload(r: Random): { value: string } | undefined {
  switch (r.int(5)) {
    case 0:
      return undefined;
    case 1:
      return { value: nested(r, r.pick([100, 101, 3000])) };
    case 2:
      // Over the fuzz target's 64 KB message limit now and then (RESOURCE_EXHAUSTED).
      return { value: "p".repeat(r.chance(0.1) ? 70_000 : 10) };
    default:
      return { value: hostileText(r) };
  }
}

function status(r: Random): unknown {
  return r.pick([
    "ORCHESTRATION_STATUS_COMPLETED",
    "ORCHESTRATION_STATUS_RUNNING",
    "ORCHESTRATION_STATUS_CANCELED",
    99,
    -1,
  ]);
}

function failure(r: Random, depth = 0): Fields {
  const details: Fields = { errorType: hostileText(r), errorMessage: hostileText(r), stackTrace: payload(r) };
  if (depth < 40 && r.chance(0.9)) details.innerFailure = failure(r, depth + 1);
  return details;
}

function action(r: Random): Fields {
  const id = r.pick([0, 1, -1, 2 ** 31 - 1]);
  switch (r.int(6)) {
    case 0:
      return { id, scheduleTask: { name: hostileText(r), input: payload(r) } };
    case 1:
      return { id, createTimer: { fireAt: hostileTimestamp(r) } };
    case 2:
      return {
        id,
        createSubOrchestration: { instanceId: hostileText(r), name: hostileText(r), input: payload(r) },
      };
    case 3:
      return {
        id,
        sendEvent: { instance: { instanceId: hostileText(r) }, name: hostileText(r), data: payload(r) },
      };
    case 4:
      return {
        id,
        completeOrchestration: {
          orchestrationStatus: status(r),
          result: payload(r),
          failureDetails: r.chance(0.3) ? failure(r) : undefined,
          carryoverEvents: [
            { eventRaised: { name: hostileText(r), input: payload(r) }, timestamp: hostileTimestamp(r) },
          ],
        },
      };
    default:
      return { id };
  }
}

const GENERATORS: Record<string, (r: Random) => Fields> = {
  Hello: () => ({}),
  StartInstance: (r) => ({
    instanceId: hostileText(r),
    name: r.chance(0.5) ? r.pick(["Echo", "AwaitGo"]) : hostileText(r),
    input: payload(r),
    scheduledStartTimestamp: hostileTimestamp(r),
  }),
  GetInstance: (r) => ({ instanceId: hostileText(r), getInputsAndOutputs: r.chance(0.5) }),
  WaitForInstanceStart: (r) => ({ instanceId: hostileText(r), getInputsAndOutputs: r.chance(0.5) }),
  WaitForInstanceCompletion: (r) => ({ instanceId: hostileText(r), getInputsAndOutputs: r.chance(0.5) }),
  RaiseEvent: (r) => ({ instanceId: hostileText(r), name: hostileText(r), input: payload(r) }),
  TerminateInstance: (r) => ({ instanceId: hostileText(r), output: payload(r), recursive: r.chance(0.5) }),
  SuspendInstance: (r) => ({ instanceId: hostileText(r), reason: payload(r) }),
  ResumeInstance: (r) => ({ instanceId: hostileText(r), reason: payload(r) }),
  PurgeInstances: (r) =>
    r.chance(0.5)
      ? { instanceId: hostileText(r), recursive: r.chance(0.5) }
      : {
          purgeInstanceFilter: {
            createdTimeFrom: hostileTimestamp(r),
            createdTimeTo: hostileTimestamp(r),
            runtimeStatus: [status(r)],
          },
        },
  ListInstanceIDs: (r) => ({ continuationToken: hostileText(r), pageSize: r.pick([0, 1, 5, 2 ** 32 - 1]) }),
  GetInstanceHistory: (r) => ({ instanceId: hostileText(r) }),
  RerunWorkflowFromEvent: (r) => ({
    sourceInstanceID: hostileText(r),
    eventID: r.pick([0, 1, 2, -1, 2 ** 31 - 1]),
    newInstanceID: hostileText(r),
    input: payload(r),
    overwriteInput: r.chance(0.5),
  }),
  GetWorkItems: () => ({}),
  CompleteActivityTask: (r) => ({
    instanceId: hostileText(r),
    taskId: r.pick([0, 1, -1]),
    result: payload(r),
    failureDetails: r.chance(0.3) ? failure(r) : undefined,
  }),
  CompleteOrchestratorTask: (r) => ({
    instanceId: hostileText(r),
    actions: Array.from({ length: r.int(4) }, () => action(r)),
    customStatus: payload(r),
  }),
};
GENERATORS.CompleteWorkflowTask = GENERATORS.CompleteOrchestratorTask!;

export interface GrpcCase {
  method: string;
  /** Server-streaming: the call does not end by itself. */
  streaming: boolean;
  bytes: Buffer;
  kind: "message" | "mangled" | "random";
}

export function grpcMethods(): string[] {
  return Object.keys(taskHubService());
}

/** One hostile call of `method`. */
export function hostileCall(r: Random, method: string): GrpcCase {
  const definition = taskHubService()[method]!;
  const streaming = definition.responseStream;
  const roll = r.int(10);
  if (roll === 0) return { method, streaming, bytes: r.bytes(r.int(64)), kind: "random" };
  const fields = (GENERATORS[method] ?? ((g: Random) => ({ [hostileText(g)]: hostileText(g) })))(r);
  let bytes: Buffer;
  try {
    bytes = definition.requestSerialize(fields);
  } catch {
    return { method, streaming, bytes: r.bytes(r.int(64)), kind: "random" };
  }
  if (roll === 1 && bytes.length > 0) {
    const mangled = Buffer.from(bytes);
    for (let i = 0; i < 1 + r.int(4); i++) mangled[r.int(mangled.length)] = r.int(256);
    return {
      method,
      streaming,
      bytes: r.chance(0.5) ? mangled : mangled.subarray(0, r.int(mangled.length)),
      kind: "mangled",
    };
  }
  return { method, streaming, bytes, kind: "message" };
}
