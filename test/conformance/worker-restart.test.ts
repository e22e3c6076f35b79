/**
 * Scenario 20: a worker stops while it runs an activity; the sidecar gives the unfinished item to the next
 * worker and the workflow completes (activities run at least once).
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { type Act, dapr, durabletaskJs, type Flow } from "./harness/sdk.js";
import { quietSdkLogs } from "./harness/suite.js";
import { startWeft, type WeftProcess } from "./harness/weft-process.js";

const flows: Record<string, Flow> = {
  LongStep: async function* (ctx, input: string) {
    return yield ctx.activity("Step", input);
  },
};

describe.each([durabletaskJs, dapr])("20. worker restart mid-flight with $name", (sdk) => {
  let weft: WeftProcess;

  beforeAll(async () => {
    quietSdkLogs();
    weft = await startWeft();
  });

  afterAll(async () => {
    await weft?.stop();
    vi.restoreAllMocks();
  });

  test("an activity cut off by a stopping worker is run again by the next one", async () => {
    let started!: () => void;
    const running = new Promise<void>((done) => {
      started = done;
    });
    let release!: () => void;
    const gate = new Promise<void>((done) => {
      release = done;
    });
    const stuck: Record<string, Act> = {
      Step: async (input: string) => {
        started();
        await gate;
        return `first worker: ${input}`;
      },
    };
    const first = await sdk.startWorker(weft.address, flows, stuck);
    const client = sdk.client(weft.address);
    const id = await client.schedule("LongStep", "job");
    await running;

    // @dapr/dapr's stop() waits for the running activity; the stream is cut at once either way.
    const stopping = first.stop();
    const second = await sdk.startWorker(weft.address, flows, {
      Step: (input: string) => `second worker: ${input}`,
    });
    const state = await client.waitDone(id);
    expect(state).toMatchObject({ status: "COMPLETED", output: JSON.stringify("second worker: job") });

    release();
    await stopping;
    await second.stop();
    await client.stop();
  });
});
