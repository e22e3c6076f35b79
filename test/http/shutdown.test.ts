/**
 * Closing the HTTP API over real keep-alive connections: pending long polls are answered at once and the
 * connections they used are closed, so shutdown never waits for a client's keep-alive timeout.
 */
import { expect, test } from "vitest";
import { harness, reached } from "./harness.js";

test("close() answers a pending long poll and does not wait for the keep-alive connection", async () => {
  const h = await harness({ maxWaitSeconds: 60 });
  await h.app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = h.app.server.address() as { port: number };
  await h.call("POST", "/v1.0/workflows/dapr/AwaitGo/start?instanceID=shutdown-1");
  await reached(h, "shutdown-1", "RUNNING");
  const poll = fetch(`http://127.0.0.1:${port}/weft/v1/instances/shutdown-1?wait=60`);
  // The poll is waiting on the server once a status read for it has happened; give it that moment.
  await new Promise((r) => setTimeout(r, 200));
  const closing = Date.now();
  const closed = h.app.close();
  const answer = await poll;
  expect(answer.status).toBe(202);
  expect(answer.headers.get("connection")).toBe("close");
  await answer.json();
  await closed;
  expect(Date.now() - closing).toBeLessThan(10_000);
  await h.runtime.stop();
});
