/**
 * Issue 3, item 7: with an API token every route requires the `dapr-api-token` header (401 otherwise), except
 * Dapr's health routes; plugins' routes are covered too.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Harness, harness } from "./harness.js";

const TOKEN = "s3cret-token";
let h: Harness;
beforeAll(async () => {
  h = await harness({
    apiToken: TOKEN,
    plugins: [
      async (app) => {
        app.post("/v1.0/publish/:pubsub/:topic", async (_request, reply) => reply.code(204).send());
      },
    ],
  });
});
afterAll(() => h.close());

const routes: [string, string][] = [
  ["POST", "/v1.0/workflows/dapr/Echo/start?instanceID=t1"],
  ["GET", "/v1.0/workflows/dapr/t1"],
  ["POST", "/v1.0-beta1/workflows/dapr/t1/raiseEvent/go"],
  ["POST", "/v1.0-alpha1/workflows/dapr/t1/pause"],
  ["POST", "/v1.0/workflows/dapr/t1/resume"],
  ["POST", "/v1.0/workflows/dapr/t1/terminate"],
  ["POST", "/v1.0/workflows/dapr/t1/purge"],
  ["DELETE", "/v1.0/workflows/Echo/t1"],
  ["GET", "/weft/v1/instances"],
  ["GET", "/weft/v1/instances/t1"],
  ["GET", "/weft/v1/instances/t1/history"],
  ["GET", "/v1.0/metadata"],
  ["POST", "/v1.0/publish/orders/new"],
  ["GET", "/v1.0/no-such-route"],
];

test("every route answers 401 in Dapr's error form without the token, or with a wrong one", async () => {
  for (const [method, url] of routes) {
    const attempts: Record<string, string>[] = [
      {},
      { "dapr-api-token": "wrong" },
      { "dapr-api-token": `${TOKEN}x` },
    ];
    for (const headers of attempts) {
      const answer = await h.call(method as "GET", url, undefined, headers);
      expect(answer.status, `${method} ${url}`).toBe(401);
      expect(answer.json, `${method} ${url}`).toEqual({
        errorCode: "ERR_API_TOKEN_INVALID",
        message: expect.any(String),
      });
    }
  }
  expect(await h.runtime.service.get("t1")).toBeUndefined();
});

test("with the token the routes work", async () => {
  const auth = { "dapr-api-token": TOKEN };
  expect((await h.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=t2", "1", auth)).status).toBe(202);
  expect((await h.call("GET", "/weft/v1/instances/t2?wait=5", undefined, auth)).status).toBe(200);
  expect(
    (await h.call("POST", "/v1.0/publish/orders/new", "{}", { ...auth, "content-type": "application/json" }))
      .status,
  ).toBe(204);
});

test("health routes stay open, as in Dapr", async () => {
  expect((await h.call("GET", "/v1.0/healthz")).status).toBe(204);
  expect((await h.call("GET", "/v1.0/healthz/outbound")).status).toBe(204);
});

test("without a token configured, no header is needed", async () => {
  const open = await harness();
  try {
    expect((await open.call("GET", "/v1.0/metadata")).status).toBe(200);
  } finally {
    await open.close();
  }
});
