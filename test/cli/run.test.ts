/**
 * Issue 3, item 1: `weft run --app <module>` on the embedded SQLite store, with a readiness line, structured
 * logs, a TypeScript or plain ES module app, and a graceful shutdown that loses nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, test } from "vitest";
import { launch, ROOT, weft } from "./process.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-cli-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SLOW_APP = resolve(import.meta.dirname, "fixtures/slow-app.mjs");

test("weft run --app example.ts: ready line, the example order completes, SIGTERM stops cleanly", async () => {
  const dir = tempDir();
  const server = launch(["--app", "examples/order-processing.ts", "--data-dir", dir]);
  const ready = await server.ready;
  expect(ready).toMatchObject({
    msg: "weft ready",
    httpHost: "127.0.0.1",
    workflows: ["OrderProcessingWorkflow"],
  });
  expect(existsSync(join(dir, "weft.db"))).toBe(true);

  const started = await fetch(
    server.url("/v1.0/workflows/dapr/OrderProcessingWorkflow/start?instanceID=cli-1"),
    {
      method: "POST",
      body: JSON.stringify({ Name: "Paperclips", TotalCost: 99.95, Quantity: 4 }),
    },
  );
  expect(started.status).toBe(202);
  const done = await fetch(server.url(`${started.headers.get("location")}?wait=20`));
  expect(done.status).toBe(200);
  expect(((await done.json()) as { runtimeStatus: string }).runtimeStatus).toBe("COMPLETED");

  server.child.kill("SIGTERM");
  expect(await server.exited).toBe(0);
  const logs = server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { msg: string; level: number });
  expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["weft ready", "weft stopped"]));
  expect(logs.every((l) => typeof l.level === "number")).toBe(true);
});

test("graceful shutdown loses nothing: in-flight activities finish, every workflow completes after restart", async () => {
  const dir = tempDir();
  const executions = join(dir, "executions.log");
  const env = { WEFT_TEST_EXECUTIONS: executions };
  const first = launch(["--app", SLOW_APP, "--data-dir", dir], env);
  await first.ready;
  const ids = Array.from({ length: 12 }, (_, i) => `graceful-${i}`);
  for (const id of ids) {
    const answer = await fetch(first.url(`/v1.0/workflows/dapr/slow/start?instanceID=${id}`), {
      method: "POST",
      body: "4",
    });
    expect(answer.status).toBe(202);
  }
  // Stop while activities run: some steps are done, most are not.
  while (!existsSync(executions)) await new Promise((r) => setTimeout(r, 20));
  first.child.kill("SIGTERM");
  expect(await first.exited, first.output()).toBe(0);
  const afterStop = readFileSync(executions, "utf8").trim().split("\n").length;
  expect(afterStop).toBeLessThan(ids.length * 4);

  const second = launch(["--app", SLOW_APP, "--data-dir", dir], env);
  await second.ready;
  for (const id of ids) {
    const answer = await fetch(second.url(`/weft/v1/instances/${id}?wait=30`));
    expect(answer.status, id).toBe(200);
    const state = (await answer.json()) as { properties: Record<string, string> };
    expect(state.properties["dapr.workflow.output"], id).toBe("10");
  }
  second.child.kill("SIGTERM");
  expect(await second.exited).toBe(0);
  // Nothing ran twice: a graceful stop let each in-flight activity record its result before exiting.
  const lines = readFileSync(executions, "utf8").trim().split("\n");
  expect(lines).toHaveLength(ids.length * 4);
  expect(new Set(lines).size).toBe(lines.length);
});

test("a pending long poll does not hold up shutdown: it is answered at once with the current state", async () => {
  const dir = tempDir();
  const server = launch(["--app", SLOW_APP, "--data-dir", dir], { WEFT_TEST_EXECUTIONS: join(dir, "log") });
  await server.ready;
  await fetch(server.url("/v1.0/workflows/dapr/slow/start?instanceID=long-1"), {
    method: "POST",
    body: "1000",
  });
  const poll = fetch(server.url("/weft/v1/instances/long-1?wait=60"));
  await new Promise((r) => setTimeout(r, 300));
  server.child.kill("SIGTERM");
  const answer = await within(20_000, poll, () => `the poll was not answered:\n${server.output()}`);
  expect(answer.status).toBe(202);
  expect(((await answer.json()) as { runtimeStatus: string }).runtimeStatus).toBe("RUNNING");
  expect(await within(20_000, server.exited, () => `weft did not exit:\n${server.output()}`)).toBe(0);
});

/** The promise's value, or a failure that says what did not happen in time (instead of a bare test timeout). */
async function within<T>(ms: number, promise: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what())), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

test("DAPR_HTTP_PORT sets the port; binds 127.0.0.1 unless told otherwise; SIGINT stops it cleanly", async () => {
  const port = await freePort();
  const byEnv = launch(["--data-dir", tempDir()], { DAPR_HTTP_PORT: String(port) }, false);
  const ready = await byEnv.ready;
  expect(ready.httpPort).toBe(port);
  expect((await fetch(`http://127.0.0.1:${port}/v1.0/healthz`)).status).toBe(204);
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal);
  if (external) {
    await expect(fetch(`http://${external.address}:${port}/v1.0/healthz`)).rejects.toThrow();
  }
  byEnv.child.kill("SIGINT");
  expect(await byEnv.exited).toBe(0);
  expect(byEnv.output()).toContain('"msg":"weft stopped"');
});

test("a bad app module or bad flag fails fast with a clear message", async () => {
  const missing = await weft(["run", "--app", "no/such/app.ts", "--data-dir", tempDir(), "--http-port", "0"]);
  expect(missing.code).toBe(1);
  expect(missing.stdout + missing.stderr).toContain("the app module 'no/such/app.ts' does not exist");

  const noDefault = await weft([
    "run",
    "--app",
    "test/cli/process.ts",
    "--data-dir",
    tempDir(),
    "--http-port",
    "0",
  ]);
  expect(noDefault.code).toBe(1);
  expect(noDefault.stdout + noDefault.stderr).toContain("must default-export a function");

  const badSize = await weft(["run", "--max-body-size", "lots"]);
  expect(badSize.code).not.toBe(0);
  expect(badSize.stderr).toContain("expected a size such as 4Mi");
});

test("--max-body-size limits request bodies; a non-loopback host without a token is warned about", async () => {
  const server = launch([
    "--app",
    SLOW_APP,
    "--data-dir",
    tempDir(),
    "--max-body-size",
    "1Ki",
    "--http-host",
    "0.0.0.0",
  ]);
  await server.ready;
  expect(server.output()).toContain("reachable beyond this machine without an API token");
  const big = await fetch(server.url("/v1.0/workflows/dapr/slow/start"), {
    method: "POST",
    body: "1".repeat(2000),
  });
  expect(big.status).toBe(413);
  server.child.kill("SIGTERM");
  expect(await server.exited).toBe(0);
});

test("bin/weft.js runs the built CLI", async () => {
  const { execFileSync } = await import("node:child_process");
  const out = execFileSync(process.execPath, [join(ROOT, "bin/weft.js"), "--help"], { encoding: "utf8" });
  expect(out).toContain("run [options]");
});

function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}
