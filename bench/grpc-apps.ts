/**
 * The gRPC bench's app side: the 10-step workflow registered with a worker of one Dapr SDK, and a client of the
 * same SDK. The bench process runs both, or only the client while worker processes (bench/grpc-worker.ts) run the
 * workers.
 */
import { DaprWorkflowClient, LogLevel, type WorkflowContext, WorkflowRuntime } from "@dapr/dapr";
import { type OrchestrationContext, TaskHubGrpcClient, TaskHubGrpcWorker } from "@dapr/durabletask-js";
import { STEPS_PER_WORKFLOW } from "./peers/types.js";

export type GrpcSdk = "dapr" | "durabletask-js";

const step = (_: unknown, n: number) => n + 1;

// Starts at 1: the SDK drops falsy activity inputs.
async function* sequential(ctx: WorkflowContext, steps: number): AsyncGenerator<unknown, number, number> {
  let n = 1;
  for (let i = 0; i < steps; i++) n = yield ctx.callActivity(step, n);
  return n;
}

async function* sequentialDt(
  ctx: OrchestrationContext,
  steps: number,
): AsyncGenerator<unknown, number, number> {
  let n = 1;
  for (let i = 0; i < steps; i++) n = yield ctx.callActivity(step, n);
  return n;
}

/** 1 + one per step. */
const EXPECTED_OUTPUT = String(1 + STEPS_PER_WORKFLOW);

/**
 * The SDK logs every work item at info level to the console whatever logger it is given; that would measure the
 * terminal. Its errors still show.
 */
export function silenceSdkChatter(): () => void {
  const saved = { log: console.log, info: console.info, warn: console.warn, debug: console.debug };
  const quiet = () => {};
  Object.assign(console, { log: quiet, info: quiet, warn: quiet, debug: quiet });
  return () => Object.assign(console, saved);
}

export interface Stoppable {
  stop(): Promise<void>;
}

/** A client; `runOne` runs one 10-step workflow to its end and checks its output. */
export interface SdkClient extends Stoppable {
  runOne(): Promise<void>;
}

function check(id: string, status: number | undefined, output: string | undefined): void {
  if (status !== 1) throw new Error(`workflow ${id} ended ${status}`);
  if (output !== EXPECTED_OUTPUT)
    throw new Error(`workflow ${id} returned ${output}, not ${EXPECTED_OUTPUT}`);
}

export async function startWorker(sdk: GrpcSdk, address: string): Promise<Stoppable> {
  if (sdk === "dapr") {
    const [daprHost, daprPort] = address.split(":") as [string, string];
    const worker = new WorkflowRuntime({ daprHost, daprPort, logger: { level: LogLevel.Error } })
      .registerWorkflow(sequential)
      .registerActivity(step);
    await worker.start();
    return worker;
  }
  const worker = new TaskHubGrpcWorker(address);
  worker.addOrchestrator(sequentialDt);
  worker.addActivity(step);
  await worker.start();
  return worker;
}

export function startClient(sdk: GrpcSdk, address: string): SdkClient {
  if (sdk === "dapr") {
    const [daprHost, daprPort] = address.split(":") as [string, string];
    const client = new DaprWorkflowClient({ daprHost, daprPort, logger: { level: LogLevel.Error } });
    return {
      async runOne() {
        const id = await client.scheduleNewWorkflow(sequential, STEPS_PER_WORKFLOW);
        const state = await client.waitForWorkflowCompletion(id, true, 120);
        check(id, state?.runtimeStatus, state?.serializedOutput);
      },
      stop: () => client.stop(),
    };
  }
  const client = new TaskHubGrpcClient(address);
  return {
    async runOne() {
      const id = await client.scheduleNewOrchestration(sequentialDt, STEPS_PER_WORKFLOW);
      const state = await client.waitForOrchestrationCompletion(id, true, 120);
      check(id, state?.runtimeStatus, state?.serializedOutput);
    },
    stop: () => client.stop(),
  };
}
