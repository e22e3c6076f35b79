import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { startServer } from "../server.js";
import { parseGoDuration } from "./go-duration.js";
import { combineSettings, loadConfigurationFile, parseConfiguration } from "./workflow-config.js";

const dir = mkdtempSync(join(tmpdir(), "weft-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configuration = (workflow: string) => `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: appconfig
spec:
  tracing:
    samplingRate: "1"
  workflow:
${workflow
  .split("\n")
  .map((line) => `    ${line}`)
  .join("\n")}
`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test("Go durations, as Dapr writes them", () => {
  expect(parseGoDuration("30s")).toBe(30_000);
  expect(parseGoDuration("1h30m")).toBe(5_400_000);
  expect(parseGoDuration("1.5h")).toBe(5_400_000);
  expect(parseGoDuration("250ms")).toBe(250);
  expect(parseGoDuration("0")).toBe(0);
  for (const bad of ["", "10", "1d", "-5s", "5 s", "h"]) expect(parseGoDuration(bad), bad).toBeUndefined();
});

test("a Configuration's spec.workflow, with Dapr's field names and Weft's maxPerSecond and stalledAfter", async () => {
  const path = file(
    "ok.yaml",
    configuration(`maxConcurrentWorkflowInvocations: 50
maxConcurrentActivityInvocations: 200
globalMaxConcurrentWorkflowInvocations: 100
globalMaxConcurrentActivityInvocations: 400
workflowConcurrencyLimits:
  - name: OrderProcessingWorkflow
    maxConcurrent: 10
activityConcurrencyLimits:
  - name: ChargeCard
    maxConcurrent: 5
  - name: SendEmail
    maxPerSecond: 20
stateRetentionPolicy:
  anyTerminal: 168h
  completed: 24h
  failed: 72h
  terminated: 30m
stalledAfter: 1m30s`),
  );
  expect(await loadConfigurationFile(path)).toEqual({
    maxConcurrentWorkflowInvocations: 50,
    maxConcurrentActivityInvocations: 200,
    globalMaxConcurrentWorkflowInvocations: 100,
    globalMaxConcurrentActivityInvocations: 400,
    workflowConcurrencyLimits: [{ name: "OrderProcessingWorkflow", maxConcurrent: 10 }],
    activityConcurrencyLimits: [
      { name: "ChargeCard", maxConcurrent: 5 },
      { name: "SendEmail", maxPerSecond: 20 },
    ],
    stateRetentionPolicy: {
      anyTerminal: 168 * 3_600_000,
      completed: 24 * 3_600_000,
      failed: 72 * 3_600_000,
      terminated: 30 * 60_000,
    },
    stalledAfter: 90_000,
    file: path,
  });
});

test("unknown or invalid fields are refused with the file, the field and the reason", async () => {
  const cases: [string, string, string][] = [
    [
      "maxConcurrentWorkflowInvocation: 5",
      "spec.workflow",
      "unknown field 'maxConcurrentWorkflowInvocation'",
    ],
    ["maxConcurrentActivityInvocations: 0", "spec.workflow.maxConcurrentActivityInvocations", "at least 1"],
    [
      "maxConcurrentActivityInvocations: 2.5",
      "spec.workflow.maxConcurrentActivityInvocations",
      "whole number",
    ],
    ["stateRetentionPolicy:\n  completed: 1d", "spec.workflow.stateRetentionPolicy.completed", "Go duration"],
    ["stateRetentionPolicy:\n  done: 1h", "spec.workflow.stateRetentionPolicy", "unknown field 'done'"],
    ["stalledAfter: soon", "spec.workflow.stalledAfter", "Go duration"],
    [
      "activityConcurrencyLimits:\n  - name: A",
      "spec.workflow.activityConcurrencyLimits.0",
      "maxConcurrent or maxPerSecond",
    ],
    [
      "workflowConcurrencyLimits:\n  - name: W\n    maxConcurrent: 1\n    maxPerSecond: 3",
      "spec.workflow.workflowConcurrencyLimits.0",
      "unknown field 'maxPerSecond'",
    ],
    [
      "workflowConcurrencyLimits:\n  - name: W",
      "spec.workflow.workflowConcurrencyLimits.0.maxConcurrent",
      "is required",
    ],
    [
      "globalMaxConcurrentWorkflowInvocations: lots",
      "spec.workflow.globalMaxConcurrentWorkflowInvocations",
      "must be a number",
    ],
    [
      "activityConcurrencyLimits:\n  - name: A\n    maxConcurrent: 1\n  - name: A\n    maxConcurrent: 2",
      "spec.workflow.activityConcurrencyLimits.1.name",
      "'A' is limited twice",
    ],
  ];
  for (const [workflow, field, reason] of cases) {
    const path = file("bad.yaml", configuration(workflow));
    const error = await loadConfigurationFile(path).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error, workflow).toContain(`${path}: ${field}: `);
    expect(error, workflow).toContain(reason);
  }
  expect(() =>
    parseConfiguration(
      {
        apiVersion: "dapr.io/v1alpha1",
        kind: "Configuration",
        metadata: { name: "c" },
        spec: { tracer: {} },
      },
      "x.yaml",
    ),
  ).toThrow("x.yaml: spec: unknown field 'tracer'");
});

test("two files with a workflow section are refused", () => {
  const one = parseConfiguration(
    {
      apiVersion: "dapr.io/v1alpha1",
      kind: "Configuration",
      metadata: { name: "a" },
      spec: { workflow: { maxConcurrentActivityInvocations: 1 } },
    },
    "a.yaml",
  );
  const none = parseConfiguration(
    { apiVersion: "dapr.io/v1alpha1", kind: "Configuration", metadata: { name: "b" } },
    "b.yaml",
  );
  expect(combineSettings([none, one])).toBe(one);
  expect(() => combineSettings([one, { ...one, file: "c.yaml" }])).toThrow(
    "c.yaml: spec.workflow: already set in a.yaml",
  );
});

test("weft's server refuses to start on a bad --config, or a bad Configuration in --resources-path", async () => {
  const base = {
    dataDir: dir,
    httpHost: "127.0.0.1",
    httpPort: 0,
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    maxBodyBytes: 1 << 20,
  };
  const bad = file("bad-config.yaml", configuration("maxConcurrentActivityInvocations: -1"));
  await expect(startServer({ ...base, configFile: bad })).rejects.toThrow(
    `${bad}: spec.workflow.maxConcurrentActivityInvocations: must be at least 1`,
  );
  const resources = mkdtempSync(join(dir, "resources-"));
  writeFileSync(
    join(resources, "config.yaml"),
    configuration("globalMaxConcurrentActivityInvocations: many"),
  );
  await expect(startServer({ ...base, resourcesPath: resources })).rejects.toThrow(
    "config.yaml: spec.workflow.globalMaxConcurrentActivityInvocations: ",
  );
});
