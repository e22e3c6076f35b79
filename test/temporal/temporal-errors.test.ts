/**
 * Issue 22, item 3: an unreachable Temporal, an unknown namespace and refused credentials each answer 502/503
 * in Dapr's error shape (never a bare 500), and each outage is logged once, not once per request.
 */
import { createServer } from "node:net";
import { status } from "@grpc/grpc-js";
import pino from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { ComponentResource } from "../../src/components/resources.js";
import { type Harness, harness } from "../http/harness.js";
import { GrpcFailure, TemporalDouble, timestamp } from "./temporal-double.js";

type LogLine = { level: number; msg: string; workflowComponent?: string };

function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines, errors: () => lines.filter((l) => l.level >= 50) };
}

function temporalResource(hostPort: string, extra: Record<string, string> = {}): ComponentResource {
  return {
    name: "temporal",
    type: "workflow.temporal",
    metadata: { hostPort, namespace: "orders-ns", taskQueue: "q", ...extra },
    file: "temporal.yaml",
  };
}

let double: TemporalDouble;
let h: Harness;
const log = capturingLogger();

beforeAll(async () => {
  double = await TemporalDouble.start();
  h = await harness({ resources: [temporalResource(double.address)], logger: log.logger });
});
afterAll(async () => {
  await h?.close();
  await double?.close();
});

/** One request per operation, so every route's own Dapr error code shows. */
const REQUESTS = [
  ["GET", "/v1.0/workflows/temporal/o-1", "ERR_GET_WORKFLOW"],
  ["POST", "/v1.0/workflows/temporal/Order/start?instanceID=o-1", "ERR_START_WORKFLOW"],
  ["POST", "/v1.0-beta1/workflows/temporal/o-1/raiseEvent/go", "ERR_RAISE_EVENT_WORKFLOW"],
  ["POST", "/v1.0-alpha1/workflows/temporal/o-1/terminate", "ERR_TERMINATE_WORKFLOW"],
] as const;

async function expectOutage(status: number, message: RegExp) {
  for (const [method, url, errorCode] of REQUESTS) {
    const answer = await h.call(method, url);
    expect(answer.status, url).toBe(status);
    expect(answer.json.errorCode, url).toBe(errorCode);
    expect(answer.json.message, url).toMatch(message);
  }
}

test("an unknown namespace is a 502 on every route, logged once; the end of the outage is logged too", async () => {
  double.failAll(
    new GrpcFailure(status.NOT_FOUND, "Namespace orders-ns is not found.", {
      type: "temporal.api.errordetails.v1.NamespaceNotFoundFailure",
      value: { namespace: "orders-ns" },
    }),
  );
  await expectOutage(502, /workflow component 'temporal': Temporal at .* has no namespace 'orders-ns'/);
  expect(log.errors().map((l) => l.msg)).toEqual([
    expect.stringMatching(/has no namespace 'orders-ns'.*logged once until Temporal answers again/),
  ]);
  expect(log.errors()[0]!.workflowComponent).toBe("temporal");

  double.reset();
  double.answer("DescribeWorkflowExecution", () => ({
    workflowExecutionInfo: {
      execution: { workflowId: "o-1", runId: "r" },
      type: { name: "Order" },
      startTime: timestamp("2026-01-01T00:00:00Z"),
      status: "WORKFLOW_EXECUTION_STATUS_RUNNING",
    },
  }));
  double.answer("GetWorkflowExecutionHistory", () => ({ history: { events: [] } }));
  expect((await h.call("GET", "/v1.0/workflows/temporal/o-1")).status).toBe(200);
  expect(log.lines.filter((l) => l.level === 30 && /answers again/.test(l.msg))).toHaveLength(1);
});

test("refused credentials (UNAUTHENTICATED, PERMISSION_DENIED) are a 502, logged once per outage", async () => {
  const before = log.errors().length;
  double.failAll(new GrpcFailure(status.UNAUTHENTICATED, "Request unauthorized."));
  await expectOutage(
    502,
    /refused Weft's credentials \(Request unauthorized\.\); check the component's apiKey/,
  );
  double.failAll(new GrpcFailure(status.PERMISSION_DENIED, "Request unauthorized for namespace."));
  await expectOutage(502, /refused Weft's credentials/);
  const errors = log.errors().slice(before);
  expect(errors.map((l) => l.msg)).toEqual([expect.stringMatching(/refused Weft's credentials/)]);
  // The HTTP layer adds no per-request "request failed" line for an outage the component reported.
  expect(log.lines.filter((l) => l.msg === "request failed")).toEqual([]);
});

test("an unexpected Temporal failure is a 502 in Dapr's shape, logged with its request as any server error", async () => {
  const before = log.lines.length;
  double.failAll(new GrpcFailure(status.INTERNAL, "boom"));
  const answer = await h.call("GET", "/v1.0/workflows/temporal/o-1");
  expect(answer.status).toBe(502);
  expect(answer.json).toEqual({
    errorCode: "ERR_GET_WORKFLOW",
    message: "workflow component 'temporal': Temporal failed the DescribeWorkflowExecution call: boom",
  });
  expect(log.lines.slice(before).filter((l) => l.msg === "request failed")).toHaveLength(1);
});

test("an unreachable server is a 503 on every route, logged once; Weft starts and keeps serving meanwhile", async () => {
  // A port that was just free: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const unreachableLog = capturingLogger();
  const down = await harness({
    resources: [temporalResource(`127.0.0.1:${port}`, { requestTimeout: "1s" })],
    logger: unreachableLog.logger,
  });
  try {
    for (const [method, url, errorCode] of REQUESTS) {
      const answer = await down.call(method, url);
      expect(answer.status, url).toBe(503);
      expect(answer.json.errorCode, url).toBe(errorCode);
      expect(answer.json.message, url).toMatch(
        /workflow component 'temporal': Temporal at 127\.0\.0\.1:\d+ is unreachable/,
      );
    }
    expect(unreachableLog.errors().map((l) => l.msg)).toEqual([expect.stringMatching(/is unreachable/)]);
    // The built-in engine is unaffected.
    expect((await down.call("POST", "/v1.0/workflows/dapr/Echo/start?instanceID=e-1", "1")).status).toBe(202);
  } finally {
    await down.close();
  }
});
