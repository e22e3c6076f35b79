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

const listed = (page: { json: { instances: { instanceID: string }[] } }) =>
  page.json.instances.map((i) => i.instanceID);

test("list: all instances, newest first, Dapr's JSON for each", async () => {
  const page = await h.call("GET", "/weft/v1/instances");
  expect(page.status).toBe(200);
  expect(listed(page)).toEqual(["list-wait-1", "list-echo-3", "list-echo-2", "list-echo-1"]);
  expect(page.json.instances[1]).toMatchObject({ workflowName: "Echo", runtimeStatus: "COMPLETED" });
  expect(page.json.continuationToken).toBeUndefined();
});

test("list: filters by status and name, pages with limit and continuationToken", async () => {
  const running = await h.call("GET", "/weft/v1/instances?status=running,suspended");
  expect(listed(running)).toEqual(["list-wait-1"]);
  const byName = await h.call("GET", "/weft/v1/instances?name=Echo&limit=2");
  expect(listed(byName)).toEqual(["list-echo-3", "list-echo-2"]);
  const token = byName.json.continuationToken;
  expect(token).toEqual(expect.any(String));
  const next = await h.call("GET", `/weft/v1/instances?name=Echo&limit=2&continuationToken=${token}`);
  expect(listed(next)).toEqual(["list-echo-1"]);
  expect(next.json.continuationToken).toBeUndefined();
  const future = await h.call(
    "GET",
    `/weft/v1/instances?createdFrom=${new Date(Date.now() + 60_000).toISOString()}`,
  );
  expect(future.json.instances).toEqual([]);
});

test("list: filters by metadata pairs (repeatable), id prefix and update time", async () => {
  const start = (id: string, metadata: string) =>
    h.call("POST", `/v1.0/workflows/dapr/AwaitGo/start?instanceID=${id}`, undefined, {
      "dapr-workflow-metadata": metadata,
    });
  await start("meta-1", "team=ops; region=eu");
  await start("meta-2", "team=ops; region=us");
  await reached(h, "meta-2", "RUNNING");
  expect(listed(await h.call("GET", "/weft/v1/instances?metadata=team=ops"))).toEqual(["meta-2", "meta-1"]);
  const both = await h.call("GET", "/weft/v1/instances?metadata=team=ops&metadata=region%3Deu");
  expect(listed(both)).toEqual(["meta-1"]);
  expect(listed(await h.call("GET", "/weft/v1/instances?idPrefix=meta-"))).toEqual(["meta-2", "meta-1"]);
  const since = new Date(Date.now() + 60_000).toISOString();
  expect(listed(await h.call("GET", `/weft/v1/instances?updatedFrom=${since}`))).toEqual([]);
  expect(listed(await h.call("GET", `/weft/v1/instances?idPrefix=list-&updatedTo=${since}`))).toHaveLength(4);
});

test("list: bad queries are 400s that say what is wrong", async () => {
  for (const [query, text] of [
    ["continuationToken=nope", "continuation token"],
    ["after=list-echo-1", "continuationToken"],
    ["metadata=novalue", "key=value"],
    ["updatedFrom=yesterday", "RFC 3339"],
    ["status=DONE", "unknown status"],
    ["limit=0", "limit"],
  ] as const) {
    const answer = await h.call("GET", `/weft/v1/instances?${query}`);
    expect(answer.status, query).toBe(400);
    expect(answer.json.message, query).toContain(text);
  }
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
