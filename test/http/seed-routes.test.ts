/**
 * Issue 3, item 3: the route forms of the older documentation (seeds 000-004) and the rule that separates
 * them from Dapr's when the paths look alike: a first segment naming a workflow component is Dapr's form,
 * otherwise it is the workflow type.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, harness, reached, settled } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe("workflow-type forms: /v1.0/workflows/{workflowType}/{instanceId}/...", () => {
  test("start: 202 with Location; the raw body is the input", async () => {
    const started = await h.call("POST", "/v1.0/workflows/Echo/seed-start/start", '{"a":1}');
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe("/weft/v1/instances/seed-start");
    expect(started.json).toEqual({ instanceID: "seed-start" });
    expect((await settled(h, "seed-start")).output).toBe('{"a":1}');
  });

  test("GET by workflow type answers Dapr's JSON", async () => {
    await h.call("POST", "/v1.0/workflows/Echo/seed-get/start", "2");
    await settled(h, "seed-get");
    const got = await h.call("GET", "/v1.0/workflows/Echo/seed-get");
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      instanceID: "seed-get",
      workflowName: "Echo",
      runtimeStatus: "COMPLETED",
    });
  });

  test("raiseEvent without an event name in the path takes {eventName, eventData} from the body", async () => {
    await h.call("POST", "/v1.0/workflows/AwaitGo/seed-raise/start");
    await reached(h, "seed-raise", "RUNNING");
    const raised = await h.call(
      "POST",
      "/v1.0/workflows/AwaitGo/seed-raise/raiseEvent",
      '{"eventName":"go","eventData":[1,2]}',
      { "content-type": "application/json" },
    );
    expect(raised.status).toBe(202);
    expect((await settled(h, "seed-raise")).output).toBe('{"got":[1,2]}');
  });

  test("raiseEvent without an event name anywhere is a 400", async () => {
    await h.call("POST", "/v1.0/workflows/AwaitGo/seed-raise-bad/start");
    const raised = await h.call(
      "POST",
      "/v1.0/workflows/AwaitGo/seed-raise-bad/raiseEvent",
      '{"eventData":1}',
    );
    expect(raised.status).toBe(400);
    expect(raised.json.errorCode).toBe("ERR_WORKFLOW_EVENT_NAME_MISSING");
    const notJson = await h.call("POST", "/v1.0/workflows/AwaitGo/seed-raise-bad/raiseEvent", "go");
    expect(notJson.status).toBe(400);
    expect(notJson.json.errorCode).toBe("ERR_MALFORMED_REQUEST");
  });

  test("suspend and resume (the component form of seed 003)", async () => {
    await h.call("POST", "/v1.0/workflows/AwaitGo/seed-suspend/start");
    await reached(h, "seed-suspend", "RUNNING");
    expect((await h.call("POST", "/v1.0/workflows/dapr/seed-suspend/suspend")).status).toBe(202);
    await reached(h, "seed-suspend", "SUSPENDED");
    expect((await h.call("POST", "/v1.0/workflows/AwaitGo/seed-suspend/resume")).status).toBe(202);
    await reached(h, "seed-suspend", "RUNNING");
  });

  test("terminate by workflow type: the body becomes the output", async () => {
    await h.call("POST", "/v1.0/workflows/AwaitGo/seed-term/start");
    await reached(h, "seed-term", "RUNNING");
    expect(
      (await h.call("POST", "/v1.0/workflows/AwaitGo/seed-term/terminate", '{"why":"ops"}')).status,
    ).toBe(202);
    const state = await settled(h, "seed-term");
    expect(state.status).toBe("TERMINATED");
    expect(state.output).toBe('{"why":"ops"}');
  });

  test("DELETE purges: 200, then 404", async () => {
    await h.call("POST", "/v1.0/workflows/Echo/seed-delete/start", "1");
    await settled(h, "seed-delete");
    expect((await h.call("DELETE", "/v1.0/workflows/Echo/seed-delete")).status).toBe(200);
    expect((await h.call("GET", "/v1.0/workflows/dapr/seed-delete")).status).toBe(404);
  });

  test("a segment that is neither a component nor a workflow type is a 400", async () => {
    await h.call("POST", "/v1.0/workflows/Echo/seed-scope/start", "1");
    await settled(h, "seed-scope");
    for (const [method, url] of [
      ["GET", "/v1.0/workflows/nosuch/seed-scope"],
      ["POST", "/v1.0/workflows/nosuch/seed-scope/terminate"],
      ["POST", "/v1.0/workflows/nosuch/seed-new/start"],
    ] as const) {
      const answer = await h.call(method, url);
      expect(answer.status, url).toBe(400);
      expect(answer.json.errorCode, url).toBe("ERR_WORKFLOW_COMPONENT_NOT_FOUND");
    }
  });

  test("the instance's own workflow name is accepted even if not registered here", async () => {
    await h.runtime.service.start({ name: "RemoteOnly", instanceId: "seed-remote" });
    const got = await h.call("GET", "/v1.0/workflows/RemoteOnly/seed-remote");
    expect(got.status).toBe(200);
    expect(got.json.workflowName).toBe("RemoteOnly");
  });
});

describe("v1.0-alpha1 forms of seed 002", () => {
  test("start {component}/{workflowName}/{instanceId}/start with {input}: 202 and WFInfo", async () => {
    const started = await h.call(
      "POST",
      "/v1.0-alpha1/workflows/dapr/Echo/alpha-start/start",
      '{"input":{"item":"paperclips","qty":4}}',
      { "content-type": "application/json" },
    );
    expect(started.status).toBe(202);
    expect(started.json).toEqual({ WFInfo: { instance_id: "alpha-start" } });
    expect(started.headers.location).toBe("/weft/v1/instances/alpha-start");
    expect((await settled(h, "alpha-start")).output).toBe('{"item":"paperclips","qty":4}');
  });

  test("start with an empty body: no input", async () => {
    await h.call("POST", "/v1.0-alpha1/workflows/dapr/Echo/alpha-empty/start");
    const state = await settled(h, "alpha-empty");
    expect(state.input).toBeUndefined();
  });

  test("start with a body that is not a JSON object: 400", async () => {
    for (const body of ["[1]", "nope", '"x"']) {
      const answer = await h.call("POST", "/v1.0-alpha1/workflows/dapr/Echo/alpha-bad/start", body);
      expect(answer.status, body).toBe(400);
      expect(answer.json.errorCode).toBe("ERR_MALFORMED_REQUEST");
    }
  });

  test("GET {component}/{workflowName}/{instanceId}: WFInfo, start time and status", async () => {
    await h.call("POST", "/v1.0-alpha1/workflows/dapr/AwaitGo/alpha-get/start");
    await reached(h, "alpha-get", "RUNNING");
    const got = await h.call("GET", "/v1.0-alpha1/workflows/dapr/AwaitGo/alpha-get");
    expect(got.status).toBe(200);
    expect(got.json).toEqual({
      WFInfo: { instance_id: "alpha-get" },
      start_time: expect.stringMatching(/^\d{4}-/),
      metadata: { status: "Running" },
    });
  });

  test("terminate, raiseEvent, pause, resume and purge keep Dapr's shape under alpha1", async () => {
    await h.call("POST", "/v1.0-alpha1/workflows/dapr/AwaitGo/alpha-ops/start");
    await reached(h, "alpha-ops", "RUNNING");
    expect((await h.call("POST", "/v1.0-alpha1/workflows/dapr/alpha-ops/pause")).status).toBe(202);
    expect((await h.call("POST", "/v1.0-alpha1/workflows/dapr/alpha-ops/resume")).status).toBe(202);
    expect((await h.call("POST", "/v1.0-alpha1/workflows/dapr/alpha-ops/raiseEvent/go", "5")).status).toBe(
      202,
    );
    expect((await settled(h, "alpha-ops")).output).toBe('{"got":5}');
    expect((await h.call("POST", "/v1.0-alpha1/workflows/dapr/alpha-ops/purge")).status).toBe(202);
  });
});

describe("where forms collide", () => {
  test("POST {x}/{y}/start: x a component → Dapr's form (y is the workflow name)", async () => {
    const started = await h.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=collide-1", "1");
    expect(started.json.instanceID).toBe("collide-1");
    expect((await settled(h, "collide-1")).name).toBe("Echo");
  });

  test("POST {x}/{y}/start: x not a component → workflow-type form (y is the instance id)", async () => {
    const started = await h.call("POST", "/v1.0/workflows/Echo/collide-2/start?instanceID=ignored", "1");
    expect(started.json.instanceID).toBe("collide-2");
    expect((await settled(h, "collide-2")).name).toBe("Echo");
  });

  test("a literal segment wins: .../{id}/raiseEvent/start raises 'start', it does not start 'raiseEvent'", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=collide-3");
    await reached(h, "collide-3", "RUNNING");
    const answer = await h.call("POST", "/v1.0-alpha1/workflows/dapr/collide-3/raiseEvent/start", "1");
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({});
    await h.call("POST", "/v1.0/workflows/dapr/collide-3/terminate");
    await settled(h, "collide-3");
    const raised = (await h.runtime.service.history("collide-3"))?.find((e) => e.type === "EventRaised");
    expect(raised).toMatchObject({ name: "start" });
  });
});
