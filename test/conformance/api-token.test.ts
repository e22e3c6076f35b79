/**
 * Scenario 22: with DAPR_API_TOKEN set, @dapr/dapr 3.18 clients and workers that send it work; calls with a
 * wrong or missing token fail with UNAUTHENTICATED. (@dapr/durabletask-js 1.0.0 cannot send a token.)
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { activities, flows } from "./harness/flows.js";
import { dapr, type Worker } from "./harness/sdk.js";
import { quietSdkLogs } from "./harness/suite.js";
import { startWeft, type WeftProcess } from "./harness/weft-process.js";

const TOKEN = "conformance-secret";
let weft: WeftProcess;
let worker: Worker;

beforeAll(async () => {
  quietSdkLogs();
  weft = await startWeft({ env: { DAPR_API_TOKEN: TOKEN } });
  worker = await dapr.startWorker(weft.address, flows, activities, TOKEN);
});

afterAll(async () => {
  await worker?.stop();
  await weft?.stop();
  vi.restoreAllMocks();
});

test("22. the right token works end to end; a wrong or missing one is UNAUTHENTICATED", async () => {
  const client = dapr.client(weft.address, TOKEN);
  const id = await client.schedule("Chain", 1);
  expect((await client.waitDone(id))?.status).toBe("COMPLETED");

  for (const token of ["wrong-secret", undefined]) {
    const other = dapr.client(weft.address, token);
    await expect(other.schedule("Chain", 1)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(other.state(id)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await other.stop();
  }
  await client.stop();
});
