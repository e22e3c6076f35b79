/** Scenarios 13, 18, 19 and 21: purge, scheduled start, instance id reuse, unknown ids and abandoned waits. */
import { status } from "@grpc/grpc-js";
import { expect, test } from "vitest";
import { newId, type ScenarioEnv } from "./env.js";

export function lifecycleScenarios(env: () => ScenarioEnv): void {
  test("13. purge deletes a finished instance and refuses a running one", async () => {
    const { client } = env();
    const running = await client.schedule("WaitForGo");
    await expect(client.purge(running)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    await client.terminate(running);

    const id = await client.schedule("Empty");
    await client.waitDone(id);
    expect(await client.purge(id)).toBe(1);
    expect(await client.state(id)).toBeUndefined();
  });

  test("18. a scheduled start stays PENDING until its time", async () => {
    const { client } = env();
    const startAt = new Date(Date.now() + 1500);
    const id = await client.schedule("Empty", undefined, newId("scheduled"), startAt);
    expect((await client.state(id))?.status).toBe("PENDING");
    const state = await client.waitDone(id);
    expect(state?.status).toBe("COMPLETED");
    expect(state!.lastUpdatedAt.getTime()).toBeGreaterThanOrEqual(startAt.getTime());
  });

  test("19. an id in use is ALREADY_EXISTS; once the instance finished, the id can start a new run", async () => {
    const { client } = env();
    const id = newId("reuse");
    await client.schedule("WaitForGo", undefined, id);
    await expect(client.schedule("WaitForGo", undefined, id)).rejects.toMatchObject({
      code: status.ALREADY_EXISTS,
    });
    await client.raise(id, "Go", "first");
    expect((await client.waitDone(id))?.output).toBe(JSON.stringify("first"));

    await client.schedule("WaitForGo", undefined, id);
    await client.raise(id, "Go", "second");
    expect(await client.waitDone(id)).toMatchObject({
      status: "COMPLETED",
      output: JSON.stringify("second"),
    });
  });

  test("21. unknown ids read as undefined; waits time out on the client and the sidecar carries on", async () => {
    const { client } = env();
    expect(await client.state(newId("nope"))).toBeUndefined();

    const later = await client.schedule("Empty", undefined, newId("later"), new Date(Date.now() + 3_600_000));
    await expect(client.waitStart(later, 1)).rejects.toThrow("TimeoutError");
    const id = await client.schedule("WaitForGo");
    await expect(client.waitDone(id, 1)).rejects.toThrow("TimeoutError");

    await client.raise(id, "Go", "still here");
    expect(await client.waitDone(id)).toMatchObject({
      status: "COMPLETED",
      output: JSON.stringify("still here"),
    });
  });
}
