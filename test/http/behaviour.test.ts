/**
 * Issue 3, item 4: the seeds' behaviour. Location + status URL (202 while running, 200 once done, 5xx once
 * failed), 409 for an active id, dapr-workflow-metadata headers, resume as a no-op, purge of a running instance,
 * and the long poll.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, harness, reached, settled } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await harness({ maxWaitSeconds: 5 });
});
afterAll(() => h.close());

describe("the status URL in Location", () => {
  test("202 while running (with Location and Retry-After), 200 once completed", async () => {
    const started = await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=status-1");
    const location = started.headers.location as string;
    expect(location).toBe("/weft/v1/instances/status-1");
    await reached(h, "status-1", "RUNNING");
    const running = await h.call("GET", location);
    expect(running.status).toBe(202);
    expect(running.headers.location).toBe(location);
    expect(running.headers["retry-after"]).toBe("1");
    expect(running.json.runtimeStatus).toBe("RUNNING");
    await h.call("POST", "/v1.0/workflows/dapr/status-1/raiseEvent/go", "1");
    await settled(h, "status-1");
    const done = await h.call("GET", location);
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({
      runtimeStatus: "COMPLETED",
      properties: { "dapr.workflow.output": '{"got":1}' },
    });
  });

  test("500 with ERR_WORKFLOW_FAILED once failed, while Dapr's GET keeps answering 200", async () => {
    const started = await h.call("POST", "/v1.0/workflows/dapr/Fails/start?instanceID=status-2");
    await settled(h, "status-2");
    const failed = await h.call("GET", started.headers.location as string);
    expect(failed.status).toBe(500);
    expect(failed.json.errorCode).toBe("ERR_WORKFLOW_FAILED");
    expect(failed.json.message).toContain("TypeError: boom");
    expect(failed.json.runtimeStatus).toBe("FAILED");
    expect((await h.call("GET", "/v1.0/workflows/dapr/status-2")).status).toBe(200);
  });

  test("202 while suspended, 200 once terminated", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=status-3");
    await reached(h, "status-3", "RUNNING");
    await h.call("POST", "/v1.0/workflows/dapr/status-3/pause");
    await reached(h, "status-3", "SUSPENDED");
    expect((await h.call("GET", "/weft/v1/instances/status-3")).status).toBe(202);
    await h.call("POST", "/v1.0/workflows/dapr/status-3/terminate");
    await settled(h, "status-3");
    const terminated = await h.call("GET", "/weft/v1/instances/status-3");
    expect(terminated.status).toBe(200);
    expect(terminated.json.runtimeStatus).toBe("TERMINATED");
  });

  test("404 for an unknown instance", async () => {
    const answer = await h.call("GET", "/weft/v1/instances/never-started");
    expect(answer.status).toBe(404);
    expect(answer.json.errorCode).toBe("ERR_INSTANCE_ID_NOT_FOUND");
  });
});

describe("long poll: ?wait=<seconds>", () => {
  test("answers as soon as the instance finishes", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=poll-1");
    await reached(h, "poll-1", "RUNNING");
    const poll = h.call("GET", "/weft/v1/instances/poll-1?wait=5");
    await h.call("POST", "/v1.0/workflows/dapr/poll-1/raiseEvent/go", '"now"');
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.json.properties["dapr.workflow.output"]).toBe('{"got":"now"}');
  });

  test("answers 202 with the current state when the bound passes first", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=poll-2");
    await reached(h, "poll-2", "RUNNING");
    const answer = await h.call("GET", "/weft/v1/instances/poll-2?wait=0.2");
    expect(answer.status).toBe(202);
    expect(answer.json.runtimeStatus).toBe("RUNNING");
  });

  test("a bad wait value is a 400", async () => {
    for (const wait of ["soon", "-1"]) {
      const answer = await h.call("GET", `/weft/v1/instances/poll-2?wait=${wait}`);
      expect(answer.status, wait).toBe(400);
      expect(answer.json.errorCode).toBe("ERR_MALFORMED_REQUEST");
    }
  });

  test("closing the server ends a pending long poll at once", async () => {
    const other = await harness({ maxWaitSeconds: 60 });
    await other.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=poll-3");
    await reached(other, "poll-3", "RUNNING");
    const poll = other.call("GET", "/weft/v1/instances/poll-3?wait=60");
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await other.close();
    const answer = await poll;
    expect(answer.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe("instance ids and conflicts", () => {
  test("an active instance id answers 409", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=dup-1");
    const again = await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=dup-1");
    expect(again.status).toBe(409);
    expect(again.json.errorCode).toBe("ERR_INSTANCE_ID_ALREADY_EXISTS");
    const seedForm = await h.call("POST", "/v1.0/workflows/AwaitGo/dup-1/start");
    expect(seedForm.status).toBe(409);
  });

  test("a finished instance's id can be started again", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=dup-2", "1");
    await settled(h, "dup-2");
    const again = await h.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=dup-2", "2");
    expect(again.status).toBe(202);
    expect((await settled(h, "dup-2")).output).toBe("2");
  });
});

describe("dapr-workflow-metadata", () => {
  test("k=v pairs (cookie style, repeated headers) are saved and returned by GET", async () => {
    const started = await h.app.inject({
      method: "POST",
      url: "/v1.0/workflows/dapr/Echo/start?instanceID=meta-1",
      headers: { "dapr-workflow-metadata": ['customer=ACME; region = eu-west ; note="a=b"', "tier=gold"] },
    });
    expect(started.statusCode).toBe(202);
    await settled(h, "meta-1");
    const got = await h.call("GET", "/v1.0/workflows/dapr/meta-1");
    expect(got.json.metadata).toEqual({ customer: "ACME", region: "eu-west", note: "a=b", tier: "gold" });
    const alpha = await h.call("GET", "/v1.0-alpha1/workflows/dapr/Echo/meta-1");
    expect(alpha.json.metadata).toMatchObject({ customer: "ACME", status: "Completed" });
  });

  test("a pair without '=' is a 400", async () => {
    const answer = await h.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=meta-2", undefined, {
      "dapr-workflow-metadata": "customer=ACME; oops",
    });
    expect(answer.status).toBe(400);
    expect(answer.json.errorCode).toBe("ERR_WORKFLOW_METADATA_INVALID");
    expect((await h.call("GET", "/v1.0/workflows/dapr/meta-2")).status).toBe(404);
  });

  test("no header: no metadata field", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=meta-3");
    await settled(h, "meta-3");
    expect((await h.call("GET", "/v1.0/workflows/dapr/meta-3")).json).not.toHaveProperty("metadata");
  });
});

describe("resume and purge rules", () => {
  test("resume of an instance that is not suspended is a no-op", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=resume-1");
    await reached(h, "resume-1", "RUNNING");
    expect((await h.call("POST", "/v1.0/workflows/dapr/resume-1/resume")).status).toBe(202);
    await h.call("POST", "/v1.0/workflows/dapr/resume-1/raiseEvent/go", "1");
    expect((await settled(h, "resume-1")).status).toBe("COMPLETED");
    expect((await h.call("POST", "/v1.0/workflows/dapr/resume-1/resume")).status).toBe(202);
    expect((await h.call("GET", "/v1.0/workflows/dapr/resume-1")).json.runtimeStatus).toBe("COMPLETED");
  });

  test("purge of a running instance is a clear 409; the instance stays", async () => {
    await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=purge-1");
    await reached(h, "purge-1", "RUNNING");
    for (const [method, url] of [
      ["POST", "/v1.0/workflows/dapr/purge-1/purge"],
      ["DELETE", "/v1.0/workflows/AwaitGo/purge-1"],
    ] as const) {
      const answer = await h.call(method, url);
      expect(answer.status, url).toBe(409);
      expect(answer.json.errorCode).toBe("ERR_PURGE_WORKFLOW");
      expect(answer.json.message).toContain("RUNNING");
    }
    expect((await h.call("GET", "/v1.0/workflows/dapr/purge-1")).status).toBe(200);
  });

  test("purge of an unknown instance is a 404", async () => {
    const answer = await h.call("POST", "/v1.0/workflows/dapr/no-such/purge");
    expect(answer.status).toBe(404);
    expect(answer.json.errorCode).toBe("ERR_INSTANCE_ID_NOT_FOUND");
  });
});
