/** Scenarios 5-7, 11, 12 and 14: external events, terminate, suspend/resume and custom status. */
import { expect, test } from "vitest";
import { type ScenarioEnv, sleep } from "./env.js";

export function eventScenarios(env: () => ScenarioEnv): void {
  test("5. an event raised before the workflow waits is kept; names match case-insensitively", async () => {
    const { client } = env();
    const id = await client.schedule("EventAfterTimer");
    await client.raise(id, "APPROVAL", { ok: true });
    const state = await client.waitDone(id);
    expect(state).toMatchObject({ status: "COMPLETED", output: JSON.stringify({ ok: true }) });
  });

  test("6. event against timeout: the event wins, and the timer wins", async () => {
    const { client } = env();
    const eventWins = await client.schedule("EventOrTimeout", 30);
    await client.raise(eventWins, "Approval", "yes");
    expect(await client.waitDone(eventWins)).toMatchObject({
      status: "COMPLETED",
      output: JSON.stringify({ approved: "yes" }),
    });
    const timerWins = await client.schedule("EventOrTimeout", 1);
    expect(await client.waitDone(timerWins)).toMatchObject({
      status: "COMPLETED",
      output: JSON.stringify("timed out"),
    });
  });

  test("7. three different events are consumed in the order the workflow waits for them", async () => {
    const { client } = env();
    const id = await client.schedule("ThreeEvents");
    await client.raise(id, "Third", "c");
    await client.raise(id, "Second", "b");
    await client.raise(id, "First", "a");
    expect(await client.waitDone(id)).toMatchObject({ status: "COMPLETED", output: '["a","b","c"]' });
  });

  test("11. terminate returns once the instance is TERMINATED, with the given output", async () => {
    const { client } = env();
    const id = await client.schedule("WaitForGo");
    await client.terminate(id, "bye");
    expect(await client.state(id)).toMatchObject({ status: "TERMINATED", output: JSON.stringify("bye") });
  });

  test("12. suspend holds events until resume", async () => {
    const { client } = env();
    const id = await client.schedule("WaitForGo");
    await client.suspend(id);
    expect((await client.state(id))?.status).toBe("SUSPENDED");
    await client.raise(id, "Go", "went");
    await sleep(500);
    expect((await client.state(id))?.status).toBe("SUSPENDED");
    await client.resume(id);
    // Resuming delivers the held event in the same turn, which may finish the workflow at once.
    expect(["RUNNING", "COMPLETED"]).toContain((await client.state(id))?.status);
    expect(await client.waitDone(id)).toMatchObject({ status: "COMPLETED", output: JSON.stringify("went") });
  });

  test("14. custom status is visible while the workflow runs and after it ends", async () => {
    const { client } = env();
    const id = await client.schedule("CustomStatus");
    expect(await client.state(id, true)).toMatchObject({ status: "RUNNING", customStatus: "waiting" });
    await client.raise(id, "Go", 1);
    expect(await client.waitDone(id)).toMatchObject({
      status: "COMPLETED",
      customStatus: "done",
      output: "1",
    });
  });
}
