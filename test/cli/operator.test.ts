/** The operators' commands (`weft list/get/history/start/raise/suspend/resume/terminate/purge`) against a server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { launch, type ServerProcess, weft } from "./process.js";

const TOKEN = "operator-token";
const dir = mkdtempSync(join(tmpdir(), "weft-operator-"));
let server: ServerProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = launch(["--app", "examples/order-processing.ts", "--data-dir", dir], { DAPR_API_TOKEN: TOKEN });
  const ready = await server.ready;
  env = { DAPR_HTTP_PORT: String(ready.httpPort), DAPR_API_TOKEN: TOKEN };
});
afterAll(async () => {
  server.child.kill("SIGTERM");
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
});

test("start --wait prints the finished instance; get, list and history show it", async () => {
  const input = JSON.stringify({ Name: "Paperclips", TotalCost: 10, Quantity: 1 });
  const started = await weft(
    ["start", "OrderProcessingWorkflow", "--id", "op-1", "--input", input, "--wait", "20"],
    env,
  );
  expect(started.code, started.stderr).toBe(0);
  expect(JSON.parse(started.stdout)).toMatchObject({ instanceID: "op-1", runtimeStatus: "COMPLETED" });

  const got = await weft(["get", "op-1"], env);
  expect(JSON.parse(got.stdout).properties["dapr.workflow.output"]).toBe('{"processed":true}');

  const list = await weft(["list", "--filter-status", "COMPLETED"], env);
  expect(list.stdout).toMatch(/^NAME\s+ID\s+STATUS\s+CUSTOM STATUS\s+AGE$/m);
  expect(list.stdout).toMatch(/^OrderProcessingWorkflow\s+op-1\s+COMPLETED\s+\d+s$/m);

  const history = await weft(["history", "op-1"], env);
  const types = history.stdout
    .trim()
    .split("\n")
    .map((line) => (JSON.parse(line) as { type: string }).type);
  expect(types).toContain("TaskCompleted");
});

test("raise, suspend, resume, terminate and purge", async () => {
  const input = JSON.stringify({ Name: "Cars", TotalCost: 5000, Quantity: 1 });
  expect(
    (await weft(["start", "OrderProcessingWorkflow", "--id", "op-2", "--input", input], env)).stdout.trim(),
  ).toBe("op-2");
  expect((await weft(["suspend", "op-2"], env)).code).toBe(0);
  expect((await weft(["resume", "op-2"], env)).code).toBe(0);
  expect((await weft(["raise", "op-2", "approval_event", "--data", '{"approved":false}'], env)).code).toBe(0);
  const done = await fetch(server.url("/weft/v1/instances/op-2?wait=20"), {
    headers: { "dapr-api-token": TOKEN },
  });
  expect(
    ((await done.json()) as { properties: Record<string, string> }).properties["dapr.workflow.output"],
  ).toBe('{"processed":false,"reason":"rejected"}');

  await weft(["start", "OrderProcessingWorkflow", "--id", "op-3", "--input", input], env);
  expect((await weft(["terminate", "op-3", "--output", '"cancelled"'], env)).code).toBe(0);
  const terminated = await weft(["start", "Nope", "--wait", "1"], env);
  expect(terminated.code).toBe(1);
  expect(terminated.stderr).toContain("ERR_WORKFLOW_NOT_REGISTERED");
  await fetch(server.url("/weft/v1/instances/op-3?wait=20"), { headers: { "dapr-api-token": TOKEN } });
  expect((await weft(["purge", "op-3"], env)).code).toBe(0);
  const gone = await weft(["get", "op-3"], env);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain("404 ERR_INSTANCE_ID_NOT_FOUND");
});

test("list's output formats and filters; rerun; bulk operations by filter with --dry-run", async () => {
  const wide = await weft(["list", "-o", "wide", "--id-prefix", "op-1"], env);
  expect(wide.stdout).toMatch(
    /^NAMESPACE\s+APP ID\s+NAME\s+ID\s+STATUS\s+CUSTOM STATUS\s+AGE\s+CREATED\s+LAST UPDATE\s+FAILURE MESSAGE$/m,
  );
  const ids = await weft(
    ["list", "-o", "ids", "-w", "OrderProcessingWorkflow", "-s", "COMPLETED", "-m", "1h"],
    env,
  );
  expect(ids.stdout.trim().split("\n")).toContain("op-1");
  const json = await weft(["list", "-o", "json", "--id-prefix", "op-1"], env);
  expect(JSON.parse(json.stdout)).toMatchObject([{ instanceID: "op-1", runtimeStatus: "COMPLETED" }]);
  const yaml = await weft(["list", "-o", "yaml", "--id-prefix", "op-1"], env);
  expect(yaml.stdout).toContain("instanceID: op-1");

  const rerun = await weft(["rerun", "op-1", "--from-event", "1", "--new-id", "op-1-again"], env);
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(rerun.stdout.trim()).toBe("op-1-again");
  const refused = await weft(["purge"], env);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("all=true");

  // Orders over 1000 wait up to two minutes for an approval: the bulk steps run right after the starts.
  const input = JSON.stringify({ Name: "Cars", TotalCost: 5000, Quantity: 1 });
  for (const id of ["gov-1", "gov-2"]) {
    await weft(["start", "OrderProcessingWorkflow", "--id", id, "--input", input], env);
  }
  const dry = await weft(
    ["terminate", "--id-prefix", "gov-", "--filter-status", "PENDING,RUNNING", "--dry-run"],
    env,
  );
  expect(dry.stdout.trim()).toBe("2 instance(s) would be terminated (dry run)");
  const terminated = await weft(["terminate", "--id-prefix", "gov-", "--output", '"closed"'], env);
  expect(terminated.stdout.trim()).toBe("2 instance(s) terminated of 2 matched");
}, 300_000);

test("a clear error when no server answers or the token is wrong", async () => {
  const wrongToken = await weft(["list"], { ...env, DAPR_API_TOKEN: "wrong" });
  expect(wrongToken.code).toBe(1);
  expect(wrongToken.stderr).toContain("401 ERR_API_TOKEN_INVALID");
  const nobody = await weft(["list", "--url", "http://127.0.0.1:9"], env);
  expect(nobody.code).toBe(1);
  expect(nobody.stderr).toContain("cannot reach http://127.0.0.1:9");
});
