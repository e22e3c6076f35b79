/**
 * Issue 22, item 1: the TLS and API-key options reach Temporal as its client sends them: a server with a
 * certificate from a private CA is reached with `tlsCaCertificate` and `tlsServerName`, the API key travels as
 * `Authorization: Bearer`, and a plain-text client cannot talk to it (503, not a hang).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { ComponentResource } from "../../src/components/resources.js";
import { harness } from "../http/harness.js";
import { TemporalDouble } from "./temporal-double.js";

const dir = mkdtempSync(join(tmpdir(), "weft-temporal-tls-"));
let double: TemporalDouble;

beforeAll(async () => {
  // A self-signed certificate for a name that is not the address, so the server-name option is what makes it pass.
  execFileSync(
    "openssl",
    [
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      ["-subj", "/CN=temporal.test", "-addext", "subjectAltName=DNS:temporal.test"],
    ].flat(),
    { stdio: "ignore" },
  );
  double = await TemporalDouble.start({
    tls: { cert: readFileSync(join(dir, "cert.pem")), key: readFileSync(join(dir, "key.pem")) },
  });
  double.answer("StartWorkflowExecution", () => ({ runId: "run-1" }));
});
afterAll(async () => {
  await double?.close();
  rmSync(dir, { recursive: true, force: true });
});

function temporal(metadata: Record<string, string>): ComponentResource {
  return {
    name: "temporal",
    type: "workflow.temporal",
    metadata: { hostPort: double.address, taskQueue: "q", ...metadata },
    file: "temporal.yaml",
  };
}

test("TLS with a private CA (a PEM file) and a server name, plus an API key", async () => {
  const h = await harness({
    resources: [
      temporal({
        tlsCaCertificate: join(dir, "cert.pem"),
        tlsServerName: "temporal.test",
        apiKey: "cloud-key",
      }),
    ],
  });
  try {
    const answer = await h.call("POST", "/v1.0/workflows/temporal/Order/start?instanceID=t-1");
    expect(answer.status).toBe(202);
    const [call] = double.callsOf("StartWorkflowExecution");
    expect(call!.request.workflowId).toBe("t-1");
    expect(call!.metadata.authorization).toBe("Bearer cloud-key");
  } finally {
    await h.close();
  }
});

test("a plain-text client cannot reach a TLS server: 503 in Dapr's shape", async () => {
  const h = await harness({ resources: [temporal({ tls: "false", requestTimeout: "1s" })] });
  try {
    const answer = await h.call("POST", "/v1.0/workflows/temporal/Order/start?instanceID=t-2");
    expect(answer.status).toBe(503);
    expect(answer.json.errorCode).toBe("ERR_START_WORKFLOW");
    expect(double.callsOf("StartWorkflowExecution").map((c) => c.request.workflowId)).not.toContain("t-2");
  } finally {
    await h.close();
  }
});

test("without the server name the certificate does not match the address: 503, nothing reaches the server", async () => {
  const h = await harness({
    resources: [temporal({ tlsCaCertificate: join(dir, "cert.pem"), requestTimeout: "1s" })],
  });
  try {
    const answer = await h.call("POST", "/v1.0/workflows/temporal/Order/start?instanceID=t-3");
    expect(answer.status).toBe(503);
    expect(double.callsOf("StartWorkflowExecution").map((c) => c.request.workflowId)).not.toContain("t-3");
  } finally {
    await h.close();
  }
});
