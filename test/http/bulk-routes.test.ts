/** Bulk operations by filter and rerun over HTTP (docs/operations.md). */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { ActivityContext, WorkflowContext } from "../../src/index.js";
import { type Harness, harness, reached, settled } from "./harness.js";

const double = (_: ActivityContext, n: number) => n * 2;
function* Doubler(ctx: WorkflowContext, n: number) {
  return yield* ctx.callActivity(double, n);
}

let h: Harness;
beforeAll(async () => {
  h = await harness();
  h.runtime.registerWorkflow(Doubler).registerActivity(double);
});
afterAll(() => h.close());

const start = (id: string, team: string) =>
  h.call("POST", `/v1.0/workflows/dapr/AwaitGo/start?instanceID=${id}`, undefined, {
    "dapr-workflow-metadata": `team=${team}`,
  });
const statusOf = async (id: string) => (await h.call("GET", `/v1.0/workflows/dapr/${id}`)).json.runtimeStatus;

test("suspend, resume, terminate and purge by filter, with dry runs, idempotent when repeated", async () => {
  for (const id of ["bulk-a1", "bulk-a2", "bulk-a3"]) await start(id, "a");
  await start("bulk-b1", "b");
  for (const id of ["bulk-a1", "bulk-a2", "bulk-a3", "bulk-b1"]) await reached(h, id, "RUNNING");

  const dry = await h.call("POST", "/weft/v1/instances/suspend?metadata=team=a&dryRun=true");
  expect(dry.status).toBe(200);
  expect(dry.json).toEqual({ operation: "suspend", dryRun: true, matched: 3, affected: 0 });
  expect(await statusOf("bulk-a1")).toBe("RUNNING");

  const suspended = await h.call("POST", "/weft/v1/instances/suspend?metadata=team=a");
  expect(suspended.json).toMatchObject({ matched: 3, affected: 3 });
  for (const id of ["bulk-a1", "bulk-a2", "bulk-a3"]) await reached(h, id, "SUSPENDED");
  expect(await statusOf("bulk-b1")).toBe("RUNNING");

  const resumed = await h.call("POST", "/weft/v1/instances/resume?idPrefix=bulk-a");
  expect(resumed.json).toMatchObject({ matched: 3, affected: 3 });
  for (const id of ["bulk-a1", "bulk-a2", "bulk-a3"]) await reached(h, id, "RUNNING");

  const terminated = await h.call(
    "POST",
    "/weft/v1/instances/terminate?name=AwaitGo&metadata=team=a",
    '"bulk"',
  );
  expect(terminated.json).toMatchObject({ matched: 3, affected: 3 });
  for (const id of ["bulk-a1", "bulk-a2", "bulk-a3"]) await settled(h, id);
  expect(await statusOf("bulk-a2")).toBe("TERMINATED");
  // Repeated (say, after a crash): nothing is left to terminate.
  expect((await h.call("POST", "/weft/v1/instances/terminate?metadata=team=a")).json).toMatchObject({
    matched: 0,
    affected: 0,
  });

  expect((await h.call("POST", "/weft/v1/instances/purge?metadata=team=a&dryRun=true")).json.matched).toBe(3);
  expect((await h.call("POST", "/weft/v1/instances/purge?metadata=team=a")).json).toMatchObject({
    affected: 3,
  });
  expect((await h.call("POST", "/weft/v1/instances/purge?metadata=team=a")).json).toMatchObject({
    matched: 0,
  });
  expect((await h.call("GET", "/v1.0/workflows/dapr/bulk-a1")).status).toBe(404);
  expect(await statusOf("bulk-b1")).toBe("RUNNING");
});

test("a bulk operation without a filter needs all=true; bad flags are 400s", async () => {
  const none = await h.call("POST", "/weft/v1/instances/terminate");
  expect(none.status).toBe(400);
  expect(none.json.message).toContain("all=true");
  const all = await h.call("POST", "/weft/v1/instances/purge?all=true&dryRun=true");
  expect(all.status).toBe(200);
  expect(all.json.dryRun).toBe(true);
  expect((await h.call("POST", "/weft/v1/instances/purge?all=yes")).status).toBe(400);
});

test("rerun from an event, with a new id and input, over HTTP", async () => {
  await h.call("POST", "/v1.0/workflows/dapr/Doubler/start?instanceID=rerun-src", "4");
  await settled(h, "rerun-src");
  const history = await h.call("GET", "/weft/v1/instances/rerun-src/history");
  const scheduled = history.json.events.find((e: { type: string }) => e.type === "TaskScheduled");
  const rerun = await h.call(
    "POST",
    "/weft/v1/instances/rerun-src/rerun",
    JSON.stringify({ fromEvent: scheduled.eventId, newInstanceID: "rerun-new", input: 10 }),
    { "content-type": "application/json" },
  );
  expect(rerun.status).toBe(202);
  expect(rerun.json).toEqual({ instanceID: "rerun-new" });
  expect(rerun.headers.location).toBe("/weft/v1/instances/rerun-new");
  await settled(h, "rerun-new");
  const done = await h.call("GET", "/v1.0/workflows/dapr/rerun-new");
  expect(done.json.properties["dapr.workflow.output"]).toBe("20");
  const bad = await h.call("POST", "/weft/v1/instances/rerun-src/rerun", '{"fromEvent": -1}');
  expect(bad.status).toBe(400);
  const running = await start("rerun-running", "c");
  expect(running.status).toBe(202);
  expect((await h.call("POST", "/weft/v1/instances/rerun-running/rerun", "{}")).status).toBe(409);
});
