/**
 * docs/operations.md stays true: its Configuration blocks load, and its curl lines run, in order, against the
 * order-processing example with a few orders started first (answers shown under a line must match).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parse } from "yaml";
import register from "../../examples/order-processing.js";
import { createHttpApp } from "../../src/api/http/app.js";
import { parseConfiguration } from "../../src/config/workflow-config.js";
import { WorkflowRuntime } from "../../src/index.js";

const DOC = join(import.meta.dirname, "../../docs/operations.md");
const text = readFileSync(DOC, "utf8");
const blocks = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));

let runtime: WorkflowRuntime;
let app: Awaited<ReturnType<typeof createHttpApp>>;
beforeAll(async () => {
  runtime = new WorkflowRuntime({ databasePath: ":memory:" });
  register(runtime);
  await runtime.start();
  app = await createHttpApp({ runtime });
  const start = (id: string, order: object, metadata?: string) =>
    app.inject({
      method: "POST",
      url: `/v1.0/workflows/dapr/OrderProcessingWorkflow/start?instanceID=${id}`,
      payload: JSON.stringify(order),
      headers: metadata ? { "dapr-workflow-metadata": metadata } : {},
    });
  await start("order-1", { Name: "Paperclips", TotalCost: 5, Quantity: 1 });
  await runtime.service.waitForCompletion("order-1", 20_000);
  // Orders over 1000 wait for an approval: running instances for the bulk examples.
  await start("order-2", { Name: "Cars", TotalCost: 5000, Quantity: 1 }, "customer=ACME; region=eu-west");
  await start("order-3", { Name: "Cars", TotalCost: 6000, Quantity: 1 }, "customer=ACME; region=us-east");
  for (const id of ["order-2", "order-3"]) await runtime.service.waitForStatus(id, ["RUNNING"], 20_000);
});
afterAll(async () => {
  await app.close();
  await runtime.stop();
});

test("every Configuration block loads", () => {
  const configurations = blocks.filter((b) => b.lang === "yaml" && b.body.includes("kind: Configuration"));
  expect(configurations.length).toBeGreaterThan(0);
  for (const block of configurations) {
    const settings = parseConfiguration(parse(block.body), DOC);
    expect(settings.activityConcurrencyLimits.length).toBeGreaterThan(0);
    expect(settings.stateRetentionPolicy?.completed).toBe(24 * 3_600_000);
  }
});

test("every curl line answers without an error, and as shown where an answer is shown", async () => {
  const lines = blocks.filter((b) => b.lang === "bash").flatMap((b) => b.body.split("\n"));
  let ran = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith("curl ")) continue;
    const url = /'http:\/\/127\.0\.0\.1:3500([^']*)'/.exec(line)?.[1];
    expect(url, line).toBeDefined();
    const method = /-X (\w+)/.exec(line)?.[1] ?? "GET";
    const body = /-d '([^']*)'/.exec(line)?.[1];
    const answer = await app.inject({ method: method as "GET" | "POST", url: url!, payload: body });
    expect(answer.statusCode, `${line}\n${answer.body}`).toBeLessThan(400);
    const shown = lines[i + 1]?.startsWith("# {") ? lines[i + 1]!.slice(2) : undefined;
    if (shown) expect(JSON.parse(answer.body), line).toMatchObject(JSON.parse(shown));
    ran++;
  }
  expect(ran).toBeGreaterThanOrEqual(9);
  // The bulk examples did what the text says: ACME's orders were terminated and purged.
  expect(await runtime.service.get("order-2")).toBeUndefined();
  expect((await runtime.service.get("order-1-again"))?.name).toBe("OrderProcessingWorkflow");
});
