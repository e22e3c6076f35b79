/**
 * A minimal sidecar double for the gRPC bench's floor: it serves the same Durable Task protocol as `weft run`, but
 * keeps everything in memory and answers every work item at once (no store, no engine, no durability). What an
 * SDK worker costs against it is the SDK's own cost per work item; what Weft costs beyond it is Weft's share.
 *
 * It does only what the bench's 10-step workflow needs: starts, activities, completion, and the client's waits.
 * Each work item still carries the whole history, as the protocol requires of any sidecar.
 *
 *   node --import tsx bench/sidecar-double.ts     # prints {"grpcPort": N} once listening
 */
import { randomUUID } from "node:crypto";
import {
  Server,
  ServerCredentials,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { taskHubService } from "../src/api/grpc/service-definition.js";
import type {
  WireActivityResponse,
  WireCreateInstanceRequest,
  WireGetInstanceRequest,
  WireGetInstanceResponse,
  WireHistoryEvent,
  WireOrchestratorResponse,
  WireStatus,
  WireWorkItem,
} from "../src/api/grpc/wire.js";

interface Instance {
  readonly id: string;
  readonly name: string;
  readonly input?: string;
  readonly created: number;
  history: WireHistoryEvent[];
  /** Events of the turn that is out (or waits to go out); they join `history` when its answer comes. */
  turn?: WireHistoryEvent[];
  /** Events that arrived while a turn was out. */
  inbox: WireHistoryEvent[];
  status: WireStatus;
  output?: string;
  waiters: ((state: WireGetInstanceResponse) => void)[];
}

interface DoubleStream {
  readonly write: (item: WireWorkItem) => void;
  out: number;
}

/** The @dapr/dapr worker drops items beyond 10 running and 100 queued. */
const MAX_PER_STREAM = 100;

function timestamp(ms = Date.now()) {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function ok(callback: (error: null, value: object) => void, value: object = {}) {
  callback(null, value);
}

export function doubleHandlers(): UntypedServiceImplementation {
  const instances = new Map<string, Instance>();
  const streams: DoubleStream[] = [];
  const waiting: { key: string; item: WireWorkItem }[] = [];
  /** Which stream each unanswered item went out on. */
  const out = new Map<string, DoubleStream>();

  const send = (key: string, item: WireWorkItem) => {
    let best: DoubleStream | undefined;
    for (const s of streams) if (s.out < MAX_PER_STREAM && (!best || s.out < best.out)) best = s;
    if (!best) {
      waiting.push({ key, item });
      return;
    }
    best.out += 1;
    out.set(key, best);
    best.write(item);
  };
  const settled = (key: string) => {
    const stream = out.get(key);
    out.delete(key);
    if (stream) stream.out -= 1;
    while (waiting.length > 0 && streams.some((s) => s.out < MAX_PER_STREAM)) {
      const next = waiting.shift()!;
      send(next.key, next.item);
    }
  };
  const startTurn = (instance: Instance) => {
    if (instance.turn || instance.inbox.length === 0) return;
    instance.turn = [{ eventId: -1, timestamp: timestamp(), orchestratorStarted: {} }, ...instance.inbox];
    instance.inbox = [];
    send(instance.id, {
      orchestratorRequest: {
        instanceId: instance.id,
        executionId: { value: instance.id },
        pastEvents: instance.history,
        newEvents: instance.turn,
      },
    });
  };
  const state = (instance: Instance): WireGetInstanceResponse => ({
    exists: true,
    orchestrationState: {
      instanceId: instance.id,
      name: instance.name,
      orchestrationStatus: instance.status,
      createdTimestamp: timestamp(instance.created),
      lastUpdatedTimestamp: timestamp(),
      input: instance.input === undefined ? undefined : { value: instance.input },
      output: instance.output === undefined ? undefined : { value: instance.output },
    },
  });
  const finished = (instance: Instance) =>
    instance.status !== "ORCHESTRATION_STATUS_RUNNING" && instance.status !== "ORCHESTRATION_STATUS_PENDING";

  const completeTurn = (
    call: { request: WireOrchestratorResponse },
    callback: (e: null, v: object) => void,
  ) => {
    const response = call.request;
    const instance = instances.get(response.instanceId ?? "");
    if (!instance?.turn) return ok(callback);
    instance.history.push(...instance.turn);
    instance.turn = undefined;
    for (const action of response.actions ?? []) {
      const eventId = action.id ?? 0;
      if (action.scheduleTask) {
        const { name = "", input } = action.scheduleTask;
        instance.history.push({ eventId, timestamp: timestamp(), taskScheduled: { name, input } });
        send(`${instance.id}\u0000${eventId}`, {
          activityRequest: {
            name,
            input,
            orchestrationInstance: { instanceId: instance.id, executionId: { value: instance.id } },
            taskId: eventId,
          },
        });
      } else if (action.completeOrchestration) {
        const { orchestrationStatus, result } = action.completeOrchestration;
        instance.status = orchestrationStatus ?? "ORCHESTRATION_STATUS_COMPLETED";
        instance.output = result?.value;
        instance.history.push({
          eventId,
          timestamp: timestamp(),
          executionCompleted: { orchestrationStatus, result },
        });
      } else {
        throw new Error(`the double does not handle action ${JSON.stringify(action)}`);
      }
    }
    settled(instance.id);
    ok(callback);
    if (finished(instance)) {
      for (const waiter of instance.waiters.splice(0)) waiter(state(instance));
      // The bench never reads a workflow again after its wait: keep memory flat over long runs.
      setTimeout(() => instances.delete(instance.id), 10_000).unref();
    } else startTurn(instance);
  };

  return {
    Hello: (_call: unknown, callback: (e: null, v: object) => void) => ok(callback),
    StartInstance: (call: { request: WireCreateInstanceRequest }, callback: (e: null, v: object) => void) => {
      const { name = "", input } = call.request;
      const id = call.request.instanceId || randomUUID();
      const instance: Instance = {
        id,
        name,
        input: input?.value,
        created: Date.now(),
        history: [],
        inbox: [
          {
            eventId: -1,
            timestamp: timestamp(),
            executionStarted: {
              name,
              input,
              orchestrationInstance: { instanceId: id, executionId: { value: id } },
            },
          },
        ],
        status: "ORCHESTRATION_STATUS_RUNNING",
        waiters: [],
      };
      instances.set(id, instance);
      startTurn(instance);
      ok(callback, { instanceId: id });
    },
    GetInstance: (call: { request: WireGetInstanceRequest }, callback: (e: null, v: object) => void) => {
      const instance = instances.get(call.request.instanceId ?? "");
      ok(callback, instance ? state(instance) : { exists: false });
    },
    WaitForInstanceCompletion: (
      call: { request: WireGetInstanceRequest },
      callback: (e: null, v: object) => void,
    ) => {
      const instance = instances.get(call.request.instanceId ?? "");
      if (!instance) return ok(callback, { exists: false });
      if (finished(instance)) return ok(callback, state(instance));
      instance.waiters.push((s) => ok(callback, s));
    },
    GetWorkItems: (call: ServerWritableStream<unknown, WireWorkItem>) => {
      const stream: DoubleStream = { write: (item) => call.write(item), out: 0 };
      streams.push(stream);
      while (waiting.length > 0 && stream.out < MAX_PER_STREAM) {
        const next = waiting.shift()!;
        send(next.key, next.item);
      }
      const close = () => {
        const index = streams.indexOf(stream);
        if (index >= 0) streams.splice(index, 1);
      };
      call.on("cancelled", close);
      call.on("close", close);
    },
    CompleteOrchestratorTask: completeTurn,
    CompleteWorkflowTask: completeTurn,
    CompleteActivityTask: (
      call: { request: WireActivityResponse },
      callback: (e: null, v: object) => void,
    ) => {
      const response = call.request;
      const instance = instances.get(response.instanceId ?? "");
      settled(`${response.instanceId ?? ""}\u0000${response.taskId ?? 0}`);
      ok(callback);
      if (!instance) return;
      const event: WireHistoryEvent = response.failureDetails
        ? {
            eventId: -1,
            timestamp: timestamp(),
            taskFailed: { taskScheduledId: response.taskId, failureDetails: response.failureDetails },
          }
        : {
            eventId: -1,
            timestamp: timestamp(),
            taskCompleted: { taskScheduledId: response.taskId, result: response.result },
          };
      instance.inbox.push(event);
      startTurn(instance);
    },
  };
}

export async function listenDouble(): Promise<{ port: number; server: Server }> {
  const server = new Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024 });
  server.addService(taskHubService(), doubleHandlers());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { port, server };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { port } = await listenDouble();
  console.log(JSON.stringify({ msg: "double ready", grpcPort: port }));
}
