/**
 * Issue 22, item 1: a `workflow.temporal` component file is read at startup: Dapr's metadata names (any case),
 * TLS and API-key options as Temporal's client takes them, and clear errors naming the file and the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { loadResources } from "../../src/components/resources.js";
import { readTemporalConfig } from "../../src/components/temporal/temporal-config.js";
import { harness } from "../http/harness.js";

const dir = mkdtempSync(join(tmpdir(), "weft-temporal-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

function component(metadata: Record<string, string>, name = "temporal") {
  return { name, type: "workflow.temporal", metadata, file: "temporal.yaml" };
}

test("a component YAML with Dapr's metadata starts Weft and adds the component to the metadata route", async () => {
  writeFileSync(
    join(dir, "temporal.yaml"),
    [
      "apiVersion: dapr.io/v1alpha1",
      "kind: Component",
      "metadata:",
      "  name: temporal",
      "spec:",
      "  type: workflow.temporal",
      "  version: v1",
      "  metadata:",
      "  - name: HostPort",
      "    value: temporal.example:7233",
      "  - name: namespace",
      "    value: orders",
      "  - name: TaskQueue",
      "    value: orders-queue",
      "  - name: identity",
      "    value: weft-a",
    ].join("\n"),
  );
  const resources = await loadResources(dir);
  expect(readTemporalConfig(resources.components[0]!)).toEqual({
    component: "temporal",
    address: "temporal.example:7233",
    namespace: "orders",
    taskQueue: "orders-queue",
    identity: "weft-a",
    tls: false,
    requestTimeoutMs: 10_000,
    searchAttributeKeys: [],
  });
  const h = await harness({ resources: resources.components });
  try {
    const metadata = await h.call("GET", "/v1.0/metadata");
    expect(metadata.json.components).toContainEqual(
      expect.objectContaining({ name: "temporal", type: "workflow.temporal" }),
    );
  } finally {
    await h.close();
  }
});

test("TLS: PEM text or a PEM file, server name, client pair; an API key alone turns TLS on", () => {
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, PEM);
  const config = readTemporalConfig(
    component({
      taskQueue: "q",
      tlsCaCertificate: caFile,
      tlsServerName: "temporal.internal",
      tlsClientCertificate: PEM,
      tlsClientKey: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
    }),
  );
  expect(config.tls).toEqual({
    serverNameOverride: "temporal.internal",
    serverRootCACertificate: Buffer.from(PEM),
    clientCertPair: {
      crt: Buffer.from(PEM),
      key: Buffer.from("-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"),
    },
  });
  expect(readTemporalConfig(component({ taskQueue: "q", apiKey: "k" })).tls).toEqual({});
  expect(readTemporalConfig(component({ taskQueue: "q", apiKey: "k", tls: "false" })).tls).toBe(false);
  expect(readTemporalConfig(component({ taskQueue: "q", tls: "true" })).tls).toEqual({});
});

test.each([
  [
    { taskQueue: "q", hostPorts: "x" },
    /temporal\.yaml: spec\.metadata\.hostPorts: is not a known field here/,
  ],
  [{ namespace: "n" }, /temporal\.yaml: spec\.metadata\.taskQueue: is required/],
  [{ taskQueue: "q", tls: "yes" }, /spec\.metadata\.tls: must be true or false, got 'yes'/],
  [
    { taskQueue: "q", tlsClientCertificate: PEM },
    /spec\.metadata\.tlsClientKey: is required with the other one/,
  ],
  [
    { taskQueue: "q", tls: "false", tlsServerName: "x" },
    /spec\.metadata\.tls: is false, but TLS fields are set/,
  ],
  [
    { taskQueue: "q", tlsCaCertificate: "/no/such.pem" },
    /spec\.metadata\.tlsCaCertificate: cannot read '\/no\/such\.pem'/,
  ],
  [
    { taskQueue: "q", requestTimeout: "soon" },
    /spec\.metadata\.requestTimeout: must be a duration like 500ms/,
  ],
])("a mistake is an error naming the file and the field: %j", (metadata, message) => {
  expect(() => readTemporalConfig(component(metadata))).toThrow(message);
});

test("a mistake in a Temporal component stops startup", async () => {
  await expect(harness({ resources: [component({ namespace: "n" })] })).rejects.toThrow(
    /temporal\.yaml: spec\.metadata\.taskQueue: is required/,
  );
});

test("a Temporal component may not take the built-in engine's name", async () => {
  await expect(harness({ resources: [component({ taskQueue: "q" }, "dapr")] })).rejects.toThrow(
    /temporal\.yaml: metadata\.name: 'dapr' is the built-in engine's name/,
  );
});
