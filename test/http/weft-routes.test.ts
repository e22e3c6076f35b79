/** Weft's own routes beside Dapr's: list and history under /weft/v1, and caller-supplied plugins. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Harness, harness, reached, settled } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await harness({
    plugins: [
      async (app) => {
        app.get("/v1.0/extra", async () => ({ from: "plugin" }));
      },
    ],
  });
  for (const i of [1, 2, 3]) {
    await h.call("POST", `/v1.0/workflows/dapr/Echo/start?instanceID=list-echo-${i}`, String(i));
    await settled(h, `list-echo-${i}`);
  }
  await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=list-wait-1");
  await reached(h, "list-wait-1", "RUNNING");
});
afterAll(() => h.close());

test("list: all instances in id order, Dapr's JSON for each", async () => {
  const page = await h.call("GET", "/weft/v1/instances");
  expect(page.status).toBe(200);
  expect(page.json.instances.map((i: { instanceID: string }) => i.instanceID)).toEqual([
    "list-echo-1",
    "list-echo-2",
    "list-echo-3",
    "list-wait-1",
  ]);
  expect(page.json.instances[0]).toMatchObject({ workflowName: "Echo", runtimeStatus: "COMPLETED" });
  expect(page.json.continuationToken).toBeUndefined();
});

test("list: filters by status and name, pages with limit and continuationToken", async () => {
  const running = await h.call("GET", "/weft/v1/instances?status=running,suspended");
  expect(running.json.instances.map((i: { instanceID: string }) => i.instanceID)).toEqual(["list-wait-1"]);
  const byName = await h.call("GET", "/weft/v1/instances?name=Echo&limit=2");
  expect(byName.json.instances).toHaveLength(2);
  expect(byName.json.continuationToken).toBe("list-echo-2");
  const next = await h.call(
    "GET",
    `/weft/v1/instances?name=Echo&limit=2&after=${byName.json.continuationToken}`,
  );
  expect(next.json.instances.map((i: { instanceID: string }) => i.instanceID)).toEqual(["list-echo-3"]);
  const future = await h.call(
    "GET",
    `/weft/v1/instances?createdFrom=${new Date(Date.now() + 60_000).toISOString()}`,
  );
  expect(future.json.instances).toEqual([]);
});

test("history: the events of the current execution, with RFC 3339 times", async () => {
  const history = await h.call("GET", "/weft/v1/instances/list-echo-1/history");
  expect(history.status).toBe(200);
  expect(history.json.instanceID).toBe("list-echo-1");
  const types = history.json.events.map((e: { type: string }) => e.type);
  expect(types).toContain("ExecutionStarted");
  expect(types[types.length - 1]).toBe("ExecutionCompleted");
  expect(history.json.events[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  const missing = await h.call("GET", "/weft/v1/instances/nope/history");
  expect(missing.status).toBe(404);
  expect(missing.json.errorCode).toBe("ERR_INSTANCE_ID_NOT_FOUND");
});

test("plugins given to the app factory are served", async () => {
  const extra = await h.call("GET", "/v1.0/extra");
  expect(extra.status).toBe(200);
  expect(extra.json).toEqual({ from: "plugin" });
});
