/**
 * Issue 3, item 5: errors in Dapr's form `{"errorCode","message"}` with the right status, and no request can
 * crash the server.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toErrorAnswer } from "../../src/api/http/errors.js";
import { WeftError } from "../../src/index.js";
import { type Harness, harness, VERSIONS } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await harness({ maxBodyBytes: 1024 });
});
afterAll(() => h.close());

const daprError = { errorCode: expect.any(String), message: expect.any(String) };

describe.each(VERSIONS)("/%s", (version) => {
  const base = `/${version}/workflows/dapr`;

  test("unknown instance: 404 ERR_INSTANCE_ID_NOT_FOUND on every instance route", async () => {
    for (const [method, path] of [
      ["GET", "missing-1"],
      ["POST", "missing-1/raiseEvent/go"],
      ["POST", "missing-1/pause"],
      ["POST", "missing-1/resume"],
      ["POST", "missing-1/terminate"],
      ["POST", "missing-1/purge"],
    ] as const) {
      const answer = await h.call(method, `${base}/${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.json, path).toEqual({
        errorCode: "ERR_INSTANCE_ID_NOT_FOUND",
        message: expect.any(String),
      });
    }
  });

  test("instance ids: letters, digits, '_' and '-' only (400 ERR_INSTANCE_ID_INVALID)", async () => {
    for (const bad of ["a.b", "a%20b", "a:b", "%F0%9F%98%80", "a%2Fb"]) {
      const start = await h.call("POST", `${base}/Echo/start?instanceID=${bad}`);
      expect(start.status, bad).toBe(400);
      expect(start.json.errorCode, bad).toBe("ERR_INSTANCE_ID_INVALID");
      if (bad === "a:b") continue; // ':' is refused at start but addresses child ids (`<parent>:0001`)
      const get = await h.call("GET", `${base}/${bad}`);
      expect(get.status, bad).toBe(400);
      expect(get.json.errorCode, bad).toBe("ERR_INSTANCE_ID_INVALID");
    }
    const child = await h.call("GET", `${base}/a:0001`);
    expect(child.json.errorCode).toBe("ERR_INSTANCE_ID_NOT_FOUND");
    const unicode = await h.call("POST", `${base}/Echo/start?instanceID=${encodeURIComponent("Größe_1-ü")}`);
    expect(unicode.status).toBe(202);
  });

  test("instance ids: at most 64 characters (400, Dapr's ERR_INSTANCE_ID_TOO_LONG)", async () => {
    const ok = await h.call("POST", `${base}/Echo/start?instanceID=${"a".repeat(64)}`);
    expect(ok.status).toBe(202);
    for (const url of [
      `${base}/Echo/start?instanceID=${"a".repeat(65)}`,
      `${base}/${"b".repeat(300)}/pause`,
    ]) {
      const answer = await h.call("POST", url);
      expect(answer.status).toBe(400);
      expect(answer.json.errorCode).toBe("ERR_INSTANCE_ID_TOO_LONG");
    }
  });

  test("unknown workflow name: 400 ERR_WORKFLOW_NOT_REGISTERED, nothing is created", async () => {
    const answer = await h.call("POST", `${base}/NoSuchWorkflow/start?instanceID=unknown-${version.length}`);
    expect(answer.status).toBe(400);
    expect(answer.json.errorCode).toBe("ERR_WORKFLOW_NOT_REGISTERED");
    expect((await h.call("GET", `${base}/unknown-${version.length}`)).status).toBe(404);
  });

  test("over-size body: 413 ERR_BODY_TOO_LARGE", async () => {
    const answer = await h.call("POST", `${base}/Echo/start`, "x".repeat(2000));
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({ errorCode: "ERR_BODY_TOO_LARGE", message: expect.any(String) });
  });
});

test("an unknown workflow name is accepted when a remote worker could run it", async () => {
  const remote = await harness({ canRunRemotely: (name) => name === "RemoteWorkflow" });
  try {
    const answer = await remote.call("POST", "/v1.0/workflows/dapr/RemoteWorkflow/start?instanceID=r1");
    expect(answer.status).toBe(202);
    expect((await remote.call("POST", "/v1.0/workflows/dapr/Other/start")).status).toBe(400);
  } finally {
    await remote.close();
  }
});

test("malformed requests get a 4xx in Dapr's form, and the server keeps serving", async () => {
  const cases: [string, string, string | undefined, Record<string, string>?][] = [
    ["POST", "/v1.0/workflows/dapr/Echo/start?instanceID=%E0%A4%A", undefined],
    ["GET", "/v1.0/workflows/dapr/%E0%A4%A", undefined],
    ["POST", "/v1.0/workflows/dapr/Echo/start?instanceID=a&instanceID=b", undefined],
    ["POST", "/v1.0-alpha1/workflows/dapr/Echo/x1/start", "{", { "content-type": "application/json" }],
    ["POST", "/v1.0-alpha1/workflows/dapr/Echo/x2/start", "null", { "content-type": "application/json" }],
    ["POST", "/v1.0/workflows/Echo/x3/raiseEvent", '{"eventName": 5}'],
    ["GET", "/weft/v1/instances?limit=0", undefined],
    ["GET", "/weft/v1/instances?status=SLEEPING", undefined],
    ["GET", "/weft/v1/instances?createdFrom=yesterday", undefined],
    ["GET", "/weft/v1/instances?after=../../etc", undefined],
    ["PUT", "/v1.0/workflows/dapr/Echo/start", undefined],
    ["GET", "/v1.0/workflows", undefined],
  ];
  for (const [method, url, body, headers] of cases) {
    const answer = await h.call(method as "GET", url, body, headers);
    expect(answer.status, `${method} ${url}`).toBeGreaterThanOrEqual(400);
    expect(answer.status, `${method} ${url}`).toBeLessThan(500);
    expect(answer.json, `${method} ${url}`).toEqual(daprError);
  }
  expect((await h.call("GET", "/v1.0/healthz")).status).toBe(204);
});

test("the error map: every WeftError code has a status, engine failures get the operation's Dapr code", () => {
  expect(toErrorAnswer(new WeftError("not_found", "x"), "raise")).toEqual({
    status: 404,
    body: { errorCode: "ERR_INSTANCE_ID_NOT_FOUND", message: "x" },
  });
  expect(toErrorAnswer(new WeftError("failed_precondition", "x"), "purge").status).toBe(409);
  expect(toErrorAnswer(new WeftError("failed_precondition", "x"), "purge").body.errorCode).toBe(
    "ERR_PURGE_WORKFLOW",
  );
  expect(toErrorAnswer(new WeftError("unavailable", "x"), "start")).toMatchObject({
    status: 503,
    body: { errorCode: "ERR_START_WORKFLOW" },
  });
  expect(toErrorAnswer(new Error("disk on fire"), "terminate")).toMatchObject({
    status: 500,
    body: { errorCode: "ERR_TERMINATE_WORKFLOW", message: "disk on fire" },
  });
});
