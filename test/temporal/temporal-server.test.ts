/**
 * Issue 22, item 2: the same routes against a real Temporal server, when `TEMPORAL_ADDRESS` (host:port) is set
 * (`TEMPORAL_NAMESPACE` defaults to `default`). No worker runs here, so started runs stay RUNNING in their task
 * queue: the test drives them from outside (signal, pause, terminate, purge) and reads what Temporal recorded.
 *
 * Without `TEMPORAL_ADDRESS` the file skips with a message, even under WEFT_REQUIRE_SERVICES=1: that switch
 * covers the services the README lists for this machine, and no Temporal server can be installed here (the
 * gRPC double in temporal-routes.test.ts covers the component instead).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventually } from "../eventually.js";
import { type Harness, harness } from "../http/harness.js";

const address = process.env.TEMPORAL_ADDRESS;
if (!address)
  console.error("skipping the real-Temporal tests: TEMPORAL_ADDRESS is not set (host:port of a server)");

describe.skipIf(!address)("against a real Temporal server", () => {
  let h: Harness;
  const id = `weft-${randomUUID()}`;

  beforeAll(async () => {
    h = await harness({
      resources: [
        {
          name: "temporal",
          type: "workflow.temporal",
          metadata: {
            hostPort: address ?? "",
            namespace: process.env.TEMPORAL_NAMESPACE ?? "default",
            taskQueue: `weft-test-${randomUUID()}`,
            identity: "weft-integration-test",
          },
          file: "temporal.yaml",
        },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("start, get, signal, a second start of the id, terminate with output, purge", async () => {
    const metadata = { "dapr-workflow-metadata": "tenant=acme" };
    const started = await h.call(
      "POST",
      `/v1.0/workflows/temporal/OrderWorkflow/start?instanceID=${id}`,
      '{"a":1}',
      metadata,
    );
    expect(started.status).toBe(202);

    const running = await h.call("GET", `/v1.0/workflows/temporal/${id}`);
    expect(running.status).toBe(200);
    expect(running.json).toMatchObject({
      instanceID: id,
      workflowName: "OrderWorkflow",
      runtimeStatus: "RUNNING",
      properties: { "dapr.workflow.input": '{"a":1}' },
      metadata: { tenant: "acme" },
    });

    expect((await h.call("POST", `/v1.0/workflows/temporal/${id}/raiseEvent/go`, '"now"')).status).toBe(202);
    expect(
      (await h.call("POST", `/v1.0/workflows/temporal/OrderWorkflow/start?instanceID=${id}`)).status,
    ).toBe(409);

    // Pause exists only on newer servers; an older one must say so in Dapr's shape.
    const paused = await h.call("POST", `/v1.0/workflows/temporal/${id}/pause`);
    if (paused.status === 202) {
      expect((await h.call("GET", `/v1.0/workflows/temporal/${id}`)).json.runtimeStatus).toBe("SUSPENDED");
      expect((await h.call("POST", `/v1.0/workflows/temporal/${id}/resume`)).status).toBe(202);
    } else {
      expect(paused.status).toBe(501);
      expect(paused.json.errorCode).toBe("ERR_PAUSE_WORKFLOW");
    }

    expect((await h.call("POST", `/v1.0/workflows/temporal/${id}/purge`)).status).toBe(409);
    expect((await h.call("POST", `/v1.0/workflows/temporal/${id}/terminate`, '{"why":"test"}')).status).toBe(
      202,
    );
    const terminated = await h.call("GET", `/v1.0/workflows/temporal/${id}`);
    expect(terminated.json.runtimeStatus).toBe("TERMINATED");
    expect(terminated.json.properties["dapr.workflow.output"]).toBe('{"why":"test"}');

    expect((await h.call("POST", `/v1.0/workflows/temporal/${id}/purge`)).status).toBe(202);
    // Temporal deletes asynchronously.
    await eventually(
      async () => (await h.call("GET", `/v1.0/workflows/temporal/${id}`)).status === 404 || undefined,
      30_000,
      "the purged run to disappear",
    );
  });
});
