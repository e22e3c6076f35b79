/**
 * One face over the two npm SDKs, so each scenario is written once and run with both:
 * (A) @dapr/durabletask-js 1.0.0 (TaskHubGrpcWorker / TaskHubGrpcClient) and
 * (B) @dapr/dapr 3.18 (WorkflowRuntime / DaprWorkflowClient).
 * Workflow code sees `Ctx`, a thin wrapper that hands the SDK's own tasks through untouched.
 */
import { DaprWorkflowClient, LogLevel, type WorkflowContext, WorkflowRuntime } from "@dapr/dapr";
import { type OrchestrationContext, TaskHubGrpcClient, TaskHubGrpcWorker } from "@dapr/durabletask-js";
import { whenAll, whenAny } from "@dapr/durabletask-js/task/index.js";
import type { Task } from "@dapr/durabletask-js/task/task.js";

/** The SDK's task; workflows yield it and compare identities (whenAny's winner). */
export type SdkTask = Task<unknown>;

export interface Ctx {
  readonly instanceId: string;
  now(): Date;
  replaying(): boolean;
  activity(name: string, input?: unknown): SdkTask;
  timer(fireAt: Date | number): SdkTask;
  event(name: string): SdkTask;
  child(name: string, input?: unknown, instanceId?: string): SdkTask;
  whenAll(tasks: SdkTask[]): SdkTask;
  whenAny(tasks: SdkTask[]): SdkTask;
  continueAsNew(input: unknown, saveEvents: boolean): void;
  setCustomStatus(status: string): void;
}

// biome-ignore lint/suspicious/noExplicitAny: a bare `yield` is untyped in both SDKs
export type Flow = (ctx: Ctx, input: any) => AsyncGenerator<SdkTask, unknown, any> | Promise<unknown>;
// biome-ignore lint/suspicious/noExplicitAny: activities take whatever JSON their caller sends
export type Act = (input: any, instanceId: string) => unknown;

export interface State {
  name: string;
  status: string;
  input?: string;
  output?: string;
  customStatus?: string;
  failure?: { errorType: string; message: string };
  createdAt: Date;
  lastUpdatedAt: Date;
}

export interface Client {
  schedule(name: string, input?: unknown, instanceId?: string, startAt?: Date): Promise<string>;
  state(instanceId: string, payloads?: boolean): Promise<State | undefined>;
  waitStart(instanceId: string, timeoutSeconds: number): Promise<State | undefined>;
  waitDone(instanceId: string, timeoutSeconds?: number): Promise<State | undefined>;
  raise(instanceId: string, name: string, data?: unknown): Promise<void>;
  terminate(instanceId: string, output?: unknown): Promise<void>;
  suspend(instanceId: string): Promise<void>;
  resume(instanceId: string): Promise<void>;
  /** How many instances were deleted (B only says whether any were: 1 or 0). */
  purge(instanceId: string): Promise<number>;
  stop(): Promise<void>;
}

export interface Worker {
  stop(): Promise<void>;
}

/** `apiToken` is honoured by (B) only: @dapr/durabletask-js 1.0.0 has no way to send it. */
export interface Sdk {
  readonly name: string;
  startWorker(
    address: string,
    flows: Record<string, Flow>,
    activities: Record<string, Act>,
    apiToken?: string,
  ): Promise<Worker>;
  client(address: string, apiToken?: string): Client;
}

const STATUS_NAMES = [
  "RUNNING",
  "COMPLETED",
  "CONTINUED_AS_NEW",
  "FAILED",
  "CANCELED",
  "TERMINATED",
  "PENDING",
  "SUSPENDED",
];

function hostAndPort(address: string) {
  const [daprHost, daprPort] = address.split(":") as [string, string];
  return { daprHost, daprPort };
}

export const durabletaskJs: Sdk = {
  name: "@dapr/durabletask-js 1.0.0",
  async startWorker(address, flows, activities) {
    const worker = new TaskHubGrpcWorker(address);
    for (const [name, flow] of Object.entries(flows)) {
      worker.addNamedOrchestrator(name, (ctx: OrchestrationContext, input: unknown) =>
        flow(wrapA(ctx), input),
      );
    }
    for (const [name, act] of Object.entries(activities)) {
      worker.addNamedActivity(name, (ctx, input: unknown) => act(input, ctx.orchestrationId));
    }
    await worker.start();
    return { stop: () => worker.stop() };
  },
  client(address) {
    const client = new TaskHubGrpcClient(address);
    const state = (s: Awaited<ReturnType<TaskHubGrpcClient["getOrchestrationState"]>>): State | undefined =>
      s && {
        name: s.name,
        status: STATUS_NAMES[s.runtimeStatus]!,
        input: s.serializedInput,
        output: s.serializedOutput,
        customStatus: s.serializedCustomStatus,
        failure: s.failureDetails && {
          errorType: s.failureDetails.errorType,
          message: s.failureDetails.message,
        },
        createdAt: s.createdAt,
        lastUpdatedAt: s.lastUpdatedAt,
      };
    return {
      schedule: (name, input, id, startAt) => client.scheduleNewOrchestration(name, input, id, startAt),
      state: async (id, payloads = true) => state(await client.getOrchestrationState(id, payloads)),
      waitStart: async (id, timeout) => state(await client.waitForOrchestrationStart(id, true, timeout)),
      waitDone: async (id, timeout = 30) =>
        state(await client.waitForOrchestrationCompletion(id, true, timeout)),
      raise: (id, name, data) => client.raiseOrchestrationEvent(id, name, data),
      terminate: (id, output) => client.terminateOrchestration(id, output),
      suspend: (id) => client.suspendOrchestration(id),
      resume: (id) => client.resumeOrchestration(id),
      purge: async (id) => (await client.purgeOrchestration(id))?.deletedInstanceCount ?? 0,
      stop: () => client.stop(),
    };
  },
};

export const dapr: Sdk = {
  name: "@dapr/dapr 3.18",
  async startWorker(address, flows, activities, apiToken) {
    const runtime = new WorkflowRuntime({
      ...hostAndPort(address),
      daprApiToken: apiToken,
      logger: { level: LogLevel.Error },
    });
    for (const [name, flow] of Object.entries(flows)) {
      runtime.registerWorkflowWithName(name, (ctx: WorkflowContext, input: unknown) =>
        flow(wrapB(ctx), input),
      );
    }
    for (const [name, act] of Object.entries(activities)) {
      runtime.registerActivityWithName(name, (ctx, input: unknown) =>
        act(input, ctx.getWorkflowInstanceId()),
      );
    }
    await runtime.start();
    return { stop: () => runtime.stop() };
  },
  client(address, apiToken) {
    const client = new DaprWorkflowClient({
      ...hostAndPort(address),
      daprApiToken: apiToken,
      logger: { level: LogLevel.Error },
    });
    const state = (s: Awaited<ReturnType<DaprWorkflowClient["getWorkflowState"]>>): State | undefined =>
      s && {
        name: s.name,
        status: STATUS_NAMES[s.runtimeStatus]!,
        input: s.serializedInput,
        output: s.serializedOutput,
        customStatus: s.customStatus,
        failure: s.workflowFailureDetails && {
          errorType: s.workflowFailureDetails.getErrorType(),
          message: s.workflowFailureDetails.getErrorMessage(),
        },
        createdAt: s.createdAt,
        lastUpdatedAt: s.lastUpdatedAt,
      };
    return {
      schedule: (name, input, id, startAt) => client.scheduleNewWorkflow(name, input, id, startAt),
      state: async (id, payloads = true) => state(await client.getWorkflowState(id, payloads)),
      waitStart: async (id, timeout) => state(await client.waitForWorkflowStart(id, true, timeout)),
      waitDone: async (id, timeout = 30) => state(await client.waitForWorkflowCompletion(id, true, timeout)),
      raise: (id, name, data) => client.raiseEvent(id, name, data),
      terminate: (id, output) => client.terminateWorkflow(id, output),
      suspend: (id) => client.suspendWorkflow(id),
      resume: (id) => client.resumeWorkflow(id),
      purge: async (id) => ((await client.purgeWorkflow(id)) ? 1 : 0),
      stop: () => client.stop(),
    };
  },
};

function wrapA(ctx: OrchestrationContext): Ctx {
  return {
    instanceId: ctx.instanceId,
    now: () => ctx.currentUtcDateTime,
    replaying: () => ctx.isReplaying,
    activity: (name, input) => ctx.callActivity(name, input),
    timer: (fireAt) => ctx.createTimer(fireAt),
    event: (name) => ctx.waitForExternalEvent(name),
    child: (name, input, id) => ctx.callSubOrchestrator(name, input, id),
    whenAll: (tasks) => whenAll(tasks),
    whenAny: (tasks) => whenAny(tasks),
    continueAsNew: (input, save) => ctx.continueAsNew(input, save),
    setCustomStatus: (status) => ctx.setCustomStatus(status),
  };
}

function wrapB(ctx: WorkflowContext): Ctx {
  // Both SDKs' tasks are the same class in different copies of the code; workflows only pass them through.
  const task = (t: unknown) => t as SdkTask;
  return {
    instanceId: ctx.getWorkflowInstanceId(),
    now: () => ctx.getCurrentUtcDateTime(),
    replaying: () => ctx.isReplaying(),
    activity: (name, input) => task(ctx.callActivity(name, input)),
    timer: (fireAt) => task(ctx.createTimer(fireAt)),
    event: (name) => task(ctx.waitForExternalEvent(name)),
    child: (name, input, id) => task(ctx.callChildWorkflow(name, input, id)),
    whenAll: (tasks) => task(ctx.whenAll(tasks as never[])),
    whenAny: (tasks) => task(ctx.whenAny(tasks as never[])),
    continueAsNew: (input, save) => ctx.continueAsNew(input, save),
    setCustomStatus: (status) => ctx.setCustomStatus(status),
  };
}
