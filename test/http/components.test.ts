/**
 * Issue 3, item 6: the built-in component `dapr` needs no file; Dapr-format workflow components from
 * --resources-path name the same engine; an unknown component segment is a clear 4xx.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadResources } from "../../src/components/resources.js";
import { type Harness, harness, settled } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "weft-http-components-"));
let h: Harness;

beforeAll(async () => {
  writeFileSync(
    join(dir, "workflow.yaml"),
    [
      "apiVersion: dapr.io/v1alpha1",
      "kind: Component",
      "metadata:",
      "  name: orders-engine",
      "spec:",
      "  type: workflow.dapr",
      "  version: v1",
      "---",
      "apiVersion: dapr.io/v1alpha1",
      "kind: Component",
      "metadata:",
      "  name: pubsub",
      "spec:",
      "  type: pubsub.in-memory",
      "  version: v1",
    ].join("\n"),
  );
  const resources = await loadResources(dir);
  h = await harness({ resources: resources.components });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the built-in 'dapr' component works without any file", async () => {
  const plain = await harness();
  try {
    expect((await plain.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=c0", "1")).status).toBe(202);
  } finally {
    await plain.close();
  }
});

test("a workflow.dapr component from the resources path selects the engine on every route", async () => {
  const started = await h.call("POST", "/v1.0/workflows/orders-engine/Echo/start?instanceID=c1", '"x"');
  expect(started.status).toBe(202);
  await settled(h, "c1");
  const got = await h.call("GET", "/v1.0-beta1/workflows/orders-engine/c1");
  expect(got.status).toBe(200);
  expect(got.json.properties["dapr.workflow.output"]).toBe('"x"');
  expect((await h.call("POST", "/v1.0/workflows/orders-engine/c1/purge")).status).toBe(202);
});

test("an unknown component is a 400 ERR_WORKFLOW_COMPONENT_NOT_FOUND, also for components of other kinds", async () => {
  await h.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=c2", "1");
  await settled(h, "c2");
  for (const [method, url] of [
    ["GET", "/v1.0/workflows/temporal/c2"],
    ["POST", "/v1.0/workflows/pubsub/c2/pause"],
    ["POST", "/v1.0/workflows/temporal/Echo/start"],
    ["POST", "/v1.0-alpha1/workflows/temporal/Echo/c3/start"],
    ["GET", "/v1.0-alpha1/workflows/temporal/Echo/c2"],
  ] as const) {
    const answer = await h.call(method, url);
    expect(answer.status, url).toBe(400);
    expect(answer.json.errorCode, url).toBe("ERR_WORKFLOW_COMPONENT_NOT_FOUND");
    expect(answer.json.message, url).toContain("orders-engine");
  }
});

test("the metadata route lists the components", async () => {
  const metadata = await h.call("GET", "/v1.0/metadata");
  expect(metadata.status).toBe(200);
  expect(metadata.json.components).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ name: "dapr", type: "workflow.dapr" }),
      expect.objectContaining({ name: "orders-engine", type: "workflow.dapr" }),
      expect.objectContaining({ name: "pubsub", type: "pubsub.in-memory" }),
    ]),
  );
});

test("a workflow component of an engine type Weft does not drive is refused at startup with the file and the field", async () => {
  const other = mkdtempSync(join(tmpdir(), "weft-http-cadence-"));
  try {
    writeFileSync(
      join(other, "cadence.yaml"),
      "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: cadence\nspec:\n  type: workflow.cadence\n",
    );
    const resources = await loadResources(other);
    await expect(harness({ resources: resources.components })).rejects.toThrow(
      /cadence\.yaml: spec\.type: .*'workflow\.cadence'.*'workflow\.dapr'.*'workflow\.temporal'/,
    );
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
