/**
 * Prometheus metrics end to end: a server runs a known workload, then `/metrics` (on the HTTP port and on its own
 * port) shows Dapr's workflow metrics and Weft's own with exact counts, on SQLite and on PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { type RunningServer, startServer } from "../../src/server.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { Store } from "../../src/store/store.js";
import { eventually } from "../eventually.js";
import { freshSchema, testPostgresUrl } from "../postgres/database.js";

const APP = resolve(import.meta.dirname, "fixtures/observed-app.mjs");
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(store?: Store, extra: { metricsPort?: number; apiToken?: string } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-metrics-"));
  dirs.push(dataDir);
  return startServer({
    appModule: APP,
    dataDir,
    store,
    httpHost: "127.0.0.1",
    httpPort: 0,
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    maxBodyBytes: 1 << 20,
    ...extra,
  });
}

/** The value of one sample line, e.g. `metric{a="b"}`; labels are matched as a subset, in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

async function runWorkload(server: RunningServer): Promise<void> {
  const base = `http://127.0.0.1:${server.httpPort}/v1.0/workflows/dapr`;
  const post = (path: string, body?: string) =>
    fetch(`${base}/${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
  for (const id of ["c1", "c2", "c3"])
    expect((await post(`Chain/start?instanceID=${id}`, "1")).status).toBe(202);
  expect((await post("Fails/start?instanceID=f1")).status).toBe(202);
  expect((await post("Waits/start?instanceID=w1")).status).toBe(202);
  expect((await post("Waits/start?instanceID=w2")).status).toBe(202);
  // The same id again while it runs: a failed create_workflow.
  expect((await post("Waits/start?instanceID=w2")).status).toBe(409);
  const service = server.runtime.service;
  for (const id of ["c1", "c2", "c3", "f1"]) await service.waitForCompletion(id, 20_000);
  await service.waitForStart("w1", 20_000);
  await service.waitForStart("w2", 20_000);
  expect((await post("w1/terminate")).status).toBe(202);
  await service.waitForCompletion("w1", 20_000);
  for (const id of ["c1", "w2"]) expect((await fetch(`${base}/${id}`)).status).toBe(200);
}

function expectWorkload(text: string): void {
  const base = { app_id: "weft", namespace: "default" };
  const count = (name: string, labels: Record<string, string>) => sample(text, name, { ...base, ...labels });
  expect(
    count("dapr_runtime_workflow_operation_count", { operation: "create_workflow", status: "success" }),
  ).toBe(6);
  expect(
    count("dapr_runtime_workflow_operation_count", { operation: "create_workflow", status: "failed" }),
  ).toBe(1);
  expect(count("dapr_runtime_workflow_operation_count", { operation: "add_event", status: "success" })).toBe(
    1,
  );
  expect(
    count("dapr_runtime_workflow_operation_count", { operation: "get_workflow", status: "success" }),
  ).toBe(2);
  expect(
    count("dapr_runtime_workflow_operation_latency_count", {
      operation: "create_workflow",
      status: "success",
    }),
  ).toBe(6);
  expect(count("dapr_runtime_workflow_execution_count", { workflow_name: "Chain", status: "success" })).toBe(
    3,
  );
  expect(count("dapr_runtime_workflow_execution_count", { workflow_name: "Fails", status: "failed" })).toBe(
    1,
  );
  expect(
    count("dapr_runtime_workflow_execution_count", { workflow_name: "Waits", status: "terminated" }),
  ).toBe(1);
  expect(
    count("dapr_runtime_workflow_execution_latency_count", { workflow_name: "Chain", status: "success" }),
  ).toBe(3);
  expect(count("dapr_runtime_workflow_scheduling_latency_count", { workflow_name: "Chain" })).toBe(3);
  expect(count("dapr_runtime_workflow_scheduling_latency_count", { workflow_name: "Waits" })).toBe(2);
  expect(
    count("dapr_runtime_workflow_activity_operation_count", { activity_name: "Double", status: "success" }),
  ).toBe(6);
  expect(
    count("dapr_runtime_workflow_activity_execution_count", { activity_name: "Double", status: "success" }),
  ).toBe(6);
  expect(
    count("dapr_runtime_workflow_activity_execution_latency_count", {
      activity_name: "Double",
      status: "success",
    }),
  ).toBe(6);
  const buckets = { activity_name: "Double", status: "success" };
  expect(count("dapr_runtime_workflow_activity_execution_latency_bucket", { ...buckets, le: "+Inf" })).toBe(
    6,
  );
  expect(count("dapr_runtime_workflow_activity_execution_latency_bucket", { ...buckets, le: "100000" })).toBe(
    6,
  );
  expect(count("weft_workflow_instances", { workflow_name: "Chain", status: "COMPLETED" })).toBe(3);
  expect(count("weft_workflow_instances", { workflow_name: "Fails", status: "FAILED" })).toBe(1);
  expect(count("weft_workflow_instances", { workflow_name: "Waits", status: "TERMINATED" })).toBe(1);
  expect(count("weft_workflow_instances", { workflow_name: "Waits", status: "RUNNING" })).toBe(1);
  expect(count("weft_backlog_ready_turns", {})).toBe(0);
  expect(count("weft_backlog_ready_activities", {})).toBe(0);
  expect(count("weft_backlog_oldest_wait_seconds", { kind: "turn" })).toBe(0);
  expect(count("weft_worker_streams", {})).toBe(0);
  // One per committed turn: three per Chain, one for Fails, two for w1 (start, terminate), one for w2.
  expect(count("weft_store_commit_latency_seconds_count", {})).toBe(13);
  expect(count("weft_store_commits_total", {})).toBeGreaterThan(0);
  expect(count("weft_store_commit_writes_total", {})!).toBeGreaterThanOrEqual(
    count("weft_store_commits_total", {})!,
  );
  expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
}

describe("metrics", () => {
  test("after a known workload /metrics shows exact counts (SQLite), on the HTTP port and on its own", async () => {
    const server = await serve(undefined, { metricsPort: 0 });
    try {
      await runWorkload(server);
      // Turns after the last acknowledgement (the waiting instance's) may still be committing.
      const text = await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
        expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
        const body = await response.text();
        expectWorkload(body);
        return body;
      });
      expect(text).toContain("# TYPE dapr_runtime_workflow_operation_latency histogram");
      // Every metric the Grafana dashboard queries is one this server exposes.
      const dashboard = readFileSync(
        resolve(import.meta.dirname, "../../deploy/grafana/weft-workflows.json"),
        "utf8",
      );
      const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
      const queried = new Set(
        [...dashboard.matchAll(/\b((?:dapr|weft|process|nodejs)_[a-z0-9_]+)\{/g)].map((m) => m[1]!),
      );
      const base = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
      expect([...queried].filter((name) => !exposed.has(name) && !exposed.has(base(name)))).toEqual([]);
      expect(queried.size).toBeGreaterThan(10);
      const own = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
      expect(own.status).toBe(200);
      expectWorkload(await own.text());
      expect((await fetch(`http://127.0.0.1:${server.metricsPort}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test("the metrics port needs no API token; /metrics on the HTTP port does", async () => {
    const server = await serve(undefined, { metricsPort: 0, apiToken: "secret" });
    try {
      expect((await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).status).toBe(401);
      const allowed = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`, {
        headers: { "dapr-api-token": "secret" },
      });
      expect(allowed.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test("with metrics off there is no /metrics route", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "weft-metrics-"));
    dirs.push(dataDir);
    const server = await startServer({
      appModule: APP,
      dataDir,
      httpHost: "127.0.0.1",
      httpPort: 0,
      grpcHost: "127.0.0.1",
      grpcPort: 0,
      maxBodyBytes: 1 << 20,
      metrics: false,
    });
    try {
      expect((await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

const url = await testPostgresUrl();
describe.skipIf(!url)("metrics on PostgreSQL", () => {
  test("two nodes on one store show the same instance counts and backlog", async () => {
    const { schema, drop } = await freshSchema(url!);
    const stores = [
      await PostgresStore.open({ url: url!, schema, poolSize: 3 }),
      await PostgresStore.open({ url: url!, schema, poolSize: 3 }),
    ];
    const servers = [await serve(stores[0]), await serve(stores[1])];
    try {
      await runWorkload(servers[0]!);
      for (const server of servers) {
        await eventually(async () => {
          const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
          expect(
            sample(text, "weft_workflow_instances", { workflow_name: "Chain", status: "COMPLETED" }),
          ).toBe(3);
          expect(sample(text, "weft_workflow_instances", { workflow_name: "Waits", status: "RUNNING" })).toBe(
            1,
          );
          expect(sample(text, "weft_backlog_ready_turns")).toBe(0);
          return true;
        });
      }
      // The node that took the calls counted them.
      const text = await (await fetch(`http://127.0.0.1:${servers[0]!.httpPort}/metrics`)).text();
      expect(
        sample(text, "dapr_runtime_workflow_operation_count", {
          operation: "create_workflow",
          status: "success",
        }),
      ).toBe(6);
    } finally {
      for (const server of servers) await server.close();
      for (const store of stores) await store.close();
      await drop();
    }
  });
});
