/**
 * Scenarios 1-4, 8-10, 15-17 of the protocol reference: chains, fan-out/fan-in, timers, child workflows,
 * continue-as-new, activity failures and unregistered names.
 */
import { expect, test } from "vitest";
import { newId, type ScenarioEnv } from "./env.js";

// biome-ignore lint/suspicious/noExplicitAny: raw protocol messages; the assertions check their shape
type Item = Record<string, any>;

export function patternScenarios(env: () => ScenarioEnv): void {
  test("1. an empty workflow (a plain async function) completes", async () => {
    const { client } = env();
    const id = await client.schedule("Empty", undefined, newId("empty"));
    const state = await client.waitDone(id);
    expect(state).toMatchObject({ name: "Empty", status: "COMPLETED", output: JSON.stringify("empty") });
    expect(state?.failure).toBeUndefined();
  });

  test("2. an activity chain round-trips input and output; isReplaying is false at the end", async () => {
    const { client } = env();
    const id = await client.schedule("Chain", 1);
    const state = await client.waitDone(id);
    expect(state).toMatchObject({ status: "COMPLETED", input: "1" });
    expect(JSON.parse(state!.output!)).toEqual({ x: 4, replaying: false });
  });

  test.each([20, 150])("3. fan-out/fan-in of %i activities completes", async (n) => {
    const { client } = env();
    const id = await client.schedule("FanOut", n);
    const state = await client.waitDone(id, 60);
    expect(state?.status).toBe("COMPLETED");
    expect(JSON.parse(state!.output!)).toEqual({ count: n, sum: (n * (n + 1) * (2 * n + 1)) / 6 });
  });

  test("4. durable timers (seconds and a Date) fire; the workflow's clock advances with them", async () => {
    const { client } = env();
    const id = await client.schedule("Timers");
    const state = await client.waitDone(id);
    expect(state?.status).toBe("COMPLETED");
    const [t0, t1, t2] = JSON.parse(state!.output!) as number[];
    expect(t1! - t0!).toBeGreaterThanOrEqual(1000);
    expect(t2! - t1!).toBeGreaterThanOrEqual(1000);
    expect(state!.lastUpdatedAt.getTime() - state!.createdAt.getTime()).toBeGreaterThanOrEqual(2000);
  });

  test("8. child workflows with the default id and an explicit id", async () => {
    const { client } = env();
    const id = await client.schedule("Parent", undefined, newId("parent"));
    const state = await client.waitDone(id);
    expect(state).toMatchObject({ status: "COMPLETED", output: "[10,20]" });
    expect(await client.state(`${id}:0001`)).toMatchObject({
      name: "Child",
      status: "COMPLETED",
      output: "10",
    });
    expect(await client.state(`${id}-explicit`)).toMatchObject({ status: "COMPLETED", output: "20" });
  });

  test("9. a child's failure reaches the parent: caught, or failing it", async () => {
    const { client } = env();
    const caught = await client.waitDone(await client.schedule("ParentCatches"));
    expect(caught?.status).toBe("COMPLETED");
    const output = JSON.parse(caught!.output!) as { caught: string; message: string };
    expect(output.caught).toBe("TaskFailedError");
    expect(output.message).toContain("the child gave up");

    const failed = await client.waitDone(await client.schedule("ParentFails"));
    expect(failed?.status).toBe("FAILED");
    expect(failed?.failure?.errorType).toBe("TaskFailedError");
    expect(failed?.failure?.message).toContain("the child gave up");
  });

  test("10. continue-as-new carries an unconsumed event into a fresh history", async () => {
    const { client, raw } = env();
    const id = await client.schedule("ContinueAsNew", "first");
    await client.raise(id, "Carried", "kept");
    const state = await client.waitDone(id);
    expect(state?.status).toBe("COMPLETED");
    expect(JSON.parse(state!.output!)).toEqual({ generation: "second", carried: "kept" });
    const { events } = await raw.call<{ events: Item[] }>("GetInstanceHistory", { instanceId: id });
    const kinds = events.map((e) => e.eventType);
    expect(kinds.slice(0, 3)).toEqual(["orchestratorStarted", "executionStarted", "eventRaised"]);
    expect(events[1]!.executionStarted.input).toEqual({ value: JSON.stringify("second") });
    expect(kinds).not.toContain("timerCreated");
  });

  test("15. an uncaught activity failure fails the workflow with TaskFailedError", async () => {
    const { client } = env();
    const state = await client.waitDone(await client.schedule("ActivityFails"));
    expect(state?.status).toBe("FAILED");
    expect(state?.failure?.errorType).toBe("TaskFailedError");
    expect(state?.failure?.message).toContain("kaput");
  });

  test("16. a caught activity failure and a user retry loop on durable timers", async () => {
    const { client } = env();
    const state = await client.waitDone(await client.schedule("RetryLoop", newId("flaky")));
    expect(state?.status).toBe("COMPLETED");
    expect(JSON.parse(state!.output!)).toEqual({ attempt: 3, result: "ok after 3" });
  });

  test("17. unregistered workflow and activity names fail the workflow", async () => {
    const { client } = env();
    const missing = await client.waitDone(await client.schedule("NoSuchWorkflow"));
    expect(missing?.status).toBe("FAILED");
    expect(missing?.failure?.errorType).toBe("OrchestratorNotRegisteredError");

    const activity = await client.waitDone(await client.schedule("CallsMissingActivity"));
    expect(activity?.status).toBe("FAILED");
    expect(activity?.failure?.errorType).toBe("TaskFailedError");
    expect(activity?.failure?.message).toContain("NoSuchActivity");
  });
}
