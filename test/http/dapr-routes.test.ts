/**
 * Issue 3, item 2: the workflow routes of Dapr 1.18, identical under /v1.0, /v1.0-beta1 and /v1.0-alpha1.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, harness, reached, settled, VERSIONS } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe.each(VERSIONS)("/%s", (version) => {
  const base = `/${version}/workflows/dapr`;
  const id = (name: string) => `${version.replace(/\./g, "_")}-${name}`;

  test("start: 202 with the instance id, raw body as input, ?instanceID honoured", async () => {
    const started = await h.call("POST", `${base}/Echo/start?instanceID=${id("start")}`, '{"n":1}', {
      "content-type": "application/json",
    });
    expect(started.status).toBe(202);
    expect(started.json).toEqual({ instanceID: id("start") });
    const state = await settled(h, id("start"));
    expect(state.input).toBe('{"n":1}');
    expect(state.output).toBe('{"n":1}');
  });

  test("start without instanceID: a random id", async () => {
    const started = await h.call("POST", `${base}/Echo/start`);
    expect(started.status).toBe(202);
    expect(started.json.instanceID).toMatch(/^[0-9a-f-]{36}$/);
    expect((await settled(h, started.json.instanceID)).status).toBe("COMPLETED");
  });

  test("a body that is not JSON is passed through as the input text, whatever the content type", async () => {
    await h.call("POST", `${base}/Echo/start?instanceID=${id("text")}`, "plain words", {
      "content-type": "text/plain",
    });
    const state = await settled(h, id("text"));
    expect(state.input).toBe("plain words");
    expect(state.output).toBe('"plain words"');
  });

  test("GET: Dapr's JSON with input, output and custom status properties", async () => {
    await h.call("POST", `${base}/Echo/start?instanceID=${id("get")}`, '"hi"');
    await settled(h, id("get"));
    const got = await h.call("GET", `${base}/${id("get")}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({
      instanceID: id("get"),
      workflowName: "Echo",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      lastUpdatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      runtimeStatus: "COMPLETED",
      properties: { "dapr.workflow.input": '"hi"', "dapr.workflow.output": '"hi"' },
    });
  });

  test("GET of a failed instance: failure properties", async () => {
    await h.call("POST", `${base}/Fails/start?instanceID=${id("fails")}`);
    await settled(h, id("fails"));
    const got = await h.call("GET", `${base}/${id("fails")}`);
    expect(got.status).toBe(200);
    expect(got.json.runtimeStatus).toBe("FAILED");
    expect(got.json.properties["dapr.workflow.failure.error_type"]).toBe("TypeError");
    expect(got.json.properties["dapr.workflow.failure.error_message"]).toBe("boom");
    expect(got.json.properties["dapr.workflow.failure.stack_trace"]).toContain("boom");
  });

  test("raiseEvent/{eventName}: 202, the raw body reaches the workflow", async () => {
    await h.call("POST", `${base}/AwaitGo/start?instanceID=${id("raise")}`);
    await reached(h, id("raise"), "RUNNING");
    const running = await h.call("GET", `${base}/${id("raise")}`);
    expect(running.json.properties["dapr.workflow.custom_status"]).toBe('"waiting"');
    const raised = await h.call("POST", `${base}/${id("raise")}/raiseEvent/go`, '{"ok":true}');
    expect(raised.status).toBe(202);
    expect((await settled(h, id("raise"))).output).toBe('{"got":{"ok":true}}');
  });

  test("pause and resume: 202 each, SUSPENDED in between", async () => {
    await h.call("POST", `${base}/AwaitGo/start?instanceID=${id("pause")}`);
    await reached(h, id("pause"), "RUNNING");
    expect((await h.call("POST", `${base}/${id("pause")}/pause`)).status).toBe(202);
    await reached(h, id("pause"), "SUSPENDED");
    expect((await h.call("GET", `${base}/${id("pause")}`)).json.runtimeStatus).toBe("SUSPENDED");
    expect((await h.call("POST", `${base}/${id("pause")}/resume`)).status).toBe(202);
    await reached(h, id("pause"), "RUNNING");
    await h.call("POST", `${base}/${id("pause")}/raiseEvent/go`, "1");
    expect((await settled(h, id("pause"))).status).toBe("COMPLETED");
  });

  test("terminate: 202, the body saved as the output", async () => {
    await h.call("POST", `${base}/AwaitGo/start?instanceID=${id("term")}`);
    await reached(h, id("term"), "RUNNING");
    const terminated = await h.call("POST", `${base}/${id("term")}/terminate`, '"stopped by ops"');
    expect(terminated.status).toBe(202);
    const state = await settled(h, id("term"));
    expect(state.status).toBe("TERMINATED");
    expect(state.output).toBe('"stopped by ops"');
  });

  test("terminate of a finished instance: 202, nothing changes", async () => {
    await h.call("POST", `${base}/Echo/start?instanceID=${id("done")}`, "1");
    await settled(h, id("done"));
    expect((await h.call("POST", `${base}/${id("done")}/terminate`)).status).toBe(202);
    expect((await h.call("GET", `${base}/${id("done")}`)).json.runtimeStatus).toBe("COMPLETED");
  });

  test("a trailing slash or a doubled slash reaches the same route, as with Dapr's router", async () => {
    await h.call("POST", `${base}/Echo/start?instanceID=${id("slash")}`, "1");
    await settled(h, id("slash"));
    expect((await h.call("GET", `${base}/${id("slash")}/`)).status).toBe(200);
    expect((await h.call("GET", `${base.replace("/workflows", "//workflows")}/${id("slash")}`)).status).toBe(
      200,
    );
  });

  test("purge: 202, then the instance is gone (404)", async () => {
    await h.call("POST", `${base}/Echo/start?instanceID=${id("purge")}`, "1");
    await settled(h, id("purge"));
    expect((await h.call("POST", `${base}/${id("purge")}/purge`)).status).toBe(202);
    const gone = await h.call("GET", `${base}/${id("purge")}`);
    expect(gone.status).toBe(404);
    expect(gone.json.errorCode).toBe("ERR_INSTANCE_ID_NOT_FOUND");
  });
});
