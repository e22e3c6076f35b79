/**
 * Issue 17, items 1 and 4 on the HTTP edge: the defects found by hand, each with the rule that now refuses it,
 * with Dapr's error shape and a message that quotes at most a short prefix of the value.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, harness } from "../http/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const base = "/v1.0/workflows/dapr";

describe("payload depth", () => {
  test("a body nested 5,000 deep is a 400 on every payload route, not a 500", async () => {
    await h.call("POST", `${base}/AwaitGo/start?instanceID=depth-target`);
    const cases: [string, string][] = [
      [`${base}/depth-target/raiseEvent`, `{"eventName":"go","eventData":${deep(5000)}}`],
      [`/v1.0-alpha1/workflows/dapr/Echo/depth-alpha/start`, `{"input":${deep(5000)}}`],
      [`${base}/Echo/start?instanceID=depth-raw`, deep(5000)],
      [`${base}/depth-target/raiseEvent/go`, deep(101)],
      [`${base}/depth-target/terminate`, `{"a":${deep(101)}}`],
    ];
    for (const [url, body] of cases) {
      const answer = await h.call("POST", url, body);
      expect(answer.status, url).toBe(400);
      expect(answer.json, url).toEqual({
        errorCode: "ERR_PAYLOAD_TOO_DEEP",
        message: "the request body nests arrays and objects more than 100 levels deep",
      });
    }
    expect((await h.call("GET", "/v1.0/workflows/dapr/depth-alpha")).status).toBe(404);
    expect((await h.call("GET", `${base}/depth-target`)).json.runtimeStatus).toBe("RUNNING");
  });

  test("100 levels are fine, and brackets inside strings do not count", async () => {
    const answer = await h.call("POST", `${base}/Echo/start?instanceID=depth-ok`, deep(100));
    expect(answer.status).toBe(202);
    const strings = await h.call(
      "POST",
      `${base}/Echo/start?instanceID=depth-str`,
      JSON.stringify("[".repeat(500)),
    );
    expect(strings.status).toBe(202);
  });
});

describe("names and ids", () => {
  test("event names: control characters and more than 256 characters are 400 ERR_WORKFLOW_EVENT_NAME_INVALID", async () => {
    await h.call("POST", `${base}/AwaitGo/start?instanceID=names-1`);
    for (const name of ["a%00b", "n".repeat(257), "tab%09x"]) {
      const answer = await h.call("POST", `${base}/names-1/raiseEvent/${name}`);
      expect(answer.status, name).toBe(400);
      expect(answer.json.errorCode, name).toBe("ERR_WORKFLOW_EVENT_NAME_INVALID");
    }
    const body = await h.call(
      "POST",
      `${base}/names-1/raiseEvent`,
      JSON.stringify({ eventName: "x".repeat(300) }),
    );
    expect(body.json.errorCode).toBe("ERR_WORKFLOW_EVENT_NAME_INVALID");
  });

  test("workflow names over 256 characters or with control characters are 400 ERR_WORKFLOW_NAME_INVALID", async () => {
    for (const url of [`${base}/${"W".repeat(257)}/start`, `/v1.0-alpha1/workflows/dapr/a%07b/id-1/start`]) {
      const answer = await h.call("POST", url);
      expect(answer.status, url).toBe(400);
      expect(answer.json.errorCode, url).toBe("ERR_WORKFLOW_NAME_INVALID");
    }
  });

  test("errors quote at most a short prefix of the offending value", async () => {
    const long = "b".repeat(900);
    const answer = await h.call("POST", `${base}/${long}/pause`);
    expect(answer.json).toEqual({
      errorCode: "ERR_INSTANCE_ID_TOO_LONG",
      message: `workflow instance ID '${"b".repeat(40)}…' (900 characters) is 900 characters long; the limit is 256`,
    });
    const component = await h.call("GET", `/v1.0/workflows/${"c".repeat(900)}/some-id`);
    expect(component.json.errorCode).toBe("ERR_WORKFLOW_COMPONENT_NOT_FOUND");
    expect(component.json.message.length).toBeLessThan(200);
  });

  test("list times outside years 1-9999 are a 400", async () => {
    const answer = await h.call("GET", "/weft/v1/instances?createdFrom=%2B275760-09-13T00:00:00Z");
    expect(answer.status).toBe(400);
    expect(answer.json.errorCode).toBe("ERR_MALFORMED_REQUEST");
  });
});

describe("dapr-workflow-metadata: no pair is silently dropped", () => {
  test.each([
    ["__proto__=x; a=b", "invalid workflow metadata: the key '__proto__' is reserved"],
    ["a=1; a=2", "invalid workflow metadata: the key 'a' is given twice"],
    ["=v", "the dapr-workflow-metadata header must hold key=value pairs separated by ';', got '=v'"],
    [`k=${"v".repeat(4097)}`, "invalid workflow metadata: the value of 'k' is longer than 4096 characters"],
  ])("%s: 400 naming it, nothing started", async (header, message) => {
    const id = `meta-${header.length}`;
    const answer = await h.call("POST", `${base}/Echo/start?instanceID=${id}`, "{}", {
      "dapr-workflow-metadata": header,
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errorCode: "ERR_WORKFLOW_METADATA_INVALID", message });
    expect((await h.call("GET", `${base}/${id}`)).status).toBe(404);
  });

  test("keys an object's prototype has are kept as plain keys", async () => {
    const answer = await h.call("POST", `${base}/Echo/start?instanceID=meta-proto`, "{}", {
      "dapr-workflow-metadata": "constructor=c; toString=t; hasOwnProperty=h",
    });
    expect(answer.status).toBe(202);
    const got = await h.call("GET", `${base}/meta-proto`);
    expect(got.json.metadata).toEqual({ constructor: "c", toString: "t", hasOwnProperty: "h" });
  });
});
