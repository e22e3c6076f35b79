import { STEPS_PER_WORKFLOW } from "./types.js";

/** The slice of DBOS's static API the bench uses, typed here because the SDK is installed outside Weft. */
export interface WorkflowHandle<R> {
  workflowID: string;
  getResult(): Promise<R>;
}
interface LogSink {
  info(entry: unknown): void;
  debug(entry: unknown): void;
  warn(entry: unknown): void;
  error(entry: unknown): void;
}
export interface DbosApi {
  setConfig(config: { name: string; systemDatabaseUrl: string; logger: LogSink }): void;
  launch(): Promise<void>;
  shutdown(): Promise<void>;
  registerWorkflow<A extends unknown[], R>(
    fn: (...args: A) => Promise<R>,
    config: { name: string },
  ): (...args: A) => Promise<R>;
  registerStep<A extends unknown[], R>(
    fn: (...args: A) => Promise<R>,
    config: { name: string },
  ): (...args: A) => Promise<R>;
  startWorkflow<A extends unknown[], R>(
    fn: (...args: A) => Promise<R>,
    params: { workflowID: string },
  ): (...args: A) => Promise<WorkflowHandle<R>>;
  recv<T>(topic: string, options: { timeoutSeconds: number }): Promise<T | null>;
  send<T>(destinationID: string, message: T, topic: string): Promise<void>;
}

/** Registered workflow functions: call them unbound (a `this` makes DBOS look for a configured instance). */
export interface DbosWorkflows {
  sequential: (input: number) => Promise<number>;
  fanOut: (width: number) => Promise<number>;
  long: (input: {
    steps: number;
    window: number;
  }) => Promise<{ firstWindowMs: number; lastWindowMs: number }>;
  waitForEvent: (input: number) => Promise<number>;
  /** How many waitForEvent instances have reached DBOS.recv in this process (bench instrumentation only). */
  waitingCount(): number;
}

export const WAIT_TOPIC = "go";
/** DBOS.recv returns null after 60 s by default; W5 instances must wait as long as the workload takes. */
const WAIT_TIMEOUT_SEC = 3_600;

/** Registers the bench's workflows and steps; DBOS requires this before launch, once per process. */
export function registerDbosWorkflows(DBOS: DbosApi): DbosWorkflows {
  const increment = DBOS.registerStep(async (value: number) => value + 1, { name: "increment" });
  const stamp = DBOS.registerStep(async () => Date.now(), { name: "stamp" });
  let waiting = 0;

  /** W1, W2, W6: ten sequential steps, each returning its input + 1. */
  const sequential = DBOS.registerWorkflow(
    async (input: number) => {
      let value = input;
      for (let i = 0; i < STEPS_PER_WORKFLOW; i++) value = await increment(value);
      return value;
    },
    { name: "sequential" },
  );

  /** W3: `width` steps started together (in a deterministic order, as DBOS requires) and joined. */
  const fanOut = DBOS.registerWorkflow(
    async (width: number) => {
      const results = await Promise.all(Array.from({ length: width }, (_, i) => increment(i)));
      return results.reduce((sum, v) => sum + v, 0);
    },
    { name: "fanOut" },
  );

  /** W4: `steps` sequential steps, each returning when it ran (checkpointed like any step output). */
  const long = DBOS.registerWorkflow(
    async ({ steps, window }: { steps: number; window: number }) => {
      const stamps: number[] = [await stamp()];
      for (let i = 0; i < steps; i++) stamps.push(await stamp());
      return {
        firstWindowMs: stamps[window]! - stamps[0]!,
        lastWindowMs: stamps[steps]! - stamps[steps - window]!,
      };
    },
    { name: "long" },
  );

  /** W5: waits for one message on WAIT_TOPIC (DBOS.recv), then completes. */
  const waitForEvent = DBOS.registerWorkflow(
    async (input: number) => {
      waiting++;
      const message = await DBOS.recv<number>(WAIT_TOPIC, { timeoutSeconds: WAIT_TIMEOUT_SEC });
      if (message === null) throw new Error("DBOS.recv timed out");
      return message + input;
    },
    { name: "waitForEvent" },
  );

  return { sequential, fanOut, long, waitForEvent, waitingCount: () => waiting };
}

/** Sends DBOS's internal log to stderr at warn and above, so stdout keeps only the bench's JSON lines. */
export const stderrLogger: LogSink = {
  info: () => {},
  debug: () => {},
  warn: (entry) => console.error("[dbos] warn:", entry),
  error: (entry) => console.error("[dbos] error:", entry),
};
