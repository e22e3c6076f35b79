/**
 * Runs every shared scenario for one SDK against its own `weft run` process, with one worker and one client.
 * The SDKs log each work item, and every expected failure, to the console; that chatter is silenced.
 */
import { afterAll, beforeAll, describe, vi } from "vitest";
import { RawClient } from "../../grpc/raw-client.js";
import type { ScenarioEnv } from "../scenarios/env.js";
import { eventScenarios } from "../scenarios/events.js";
import { lifecycleScenarios } from "../scenarios/lifecycle.js";
import { patternScenarios } from "../scenarios/patterns.js";
import { activities, flows } from "./flows.js";
import type { Sdk, Worker } from "./sdk.js";
import { startWeft, type WeftProcess } from "./weft-process.js";

export function quietSdkLogs(): void {
  for (const method of ["log", "info", "warn", "debug", "error"] as const) {
    vi.spyOn(console, method).mockImplementation(() => {});
  }
}

export function conformanceSuite(sdk: Sdk): void {
  describe(`conformance with ${sdk.name} against weft run`, () => {
    let weft: WeftProcess;
    let worker: Worker;
    let env: ScenarioEnv;

    beforeAll(async () => {
      quietSdkLogs();
      weft = await startWeft();
      worker = await sdk.startWorker(weft.address, flows, activities);
      env = { sdk, client: sdk.client(weft.address), raw: new RawClient(weft.address) };
    });

    afterAll(async () => {
      env?.raw.close();
      await env?.client.stop();
      await worker?.stop();
      await weft?.stop();
      vi.restoreAllMocks();
    });

    describe("patterns", () => patternScenarios(() => env));
    describe("events and control", () => eventScenarios(() => env));
    describe("lifecycle", () => lifecycleScenarios(() => env));
  });
}
