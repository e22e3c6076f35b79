/**
 * Trigger tests run an in-process WorkflowRuntime (SQLite in a temp dir) and a TriggerManager built from YAML
 * resources written to a temp folder, exactly as `weft run --resources-path` would load them.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import { planTriggers } from "../../src/components/plan.js";
import { loadResources } from "../../src/components/resources.js";
import { TriggerManager } from "../../src/components/triggers.js";
import type { InstanceState } from "../../src/core/instance.js";
import type { Logger } from "../../src/core/logger.js";
import type { WorkflowService } from "../../src/engine/service.js";
import { type WorkflowContext, WorkflowRuntime } from "../../src/index.js";
import { eventually } from "../eventually.js";

/** Returns its input: shows what input a trigger gave. */
export function* echo(_: WorkflowContext, input: unknown) {
  return input;
}

/** Collects `item` events until one is "stop"; the custom status lists what arrived so far. */
export function* collector(ctx: WorkflowContext) {
  const items: unknown[] = [];
  for (;;) {
    const item = yield* ctx.waitForExternalEvent<unknown>("item");
    items.push(item);
    ctx.setCustomStatus(items);
    if (item === "stop") return items;
  }
}

/** Runs until told `done`: an instance that stays active. */
export function* waiter(ctx: WorkflowContext, input: unknown) {
  ctx.setCustomStatus(input);
  yield* ctx.waitForExternalEvent("done");
  return input;
}

export interface TriggerHarness {
  runtime: WorkflowRuntime;
  service: WorkflowService;
  /** Writes `files` into a fresh resources folder, loads, plans and starts the triggers. */
  startTriggers(
    files: Record<string, string>,
    options?: { env?: NodeJS.ProcessEnv; logger?: Logger },
  ): Promise<TriggerManager>;
  /** Stops the runtime and starts a new one on the same database (a node restart). */
  restartRuntime(): Promise<void>;
  instances(prefix?: string): Promise<InstanceState[]>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<TriggerHarness> {
  const dir = mkdtempSync(join(tmpdir(), "weft-triggers-"));
  const managers: TriggerManager[] = [];
  const boot = async () => {
    const runtime = new WorkflowRuntime({ databasePath: join(dir, "weft.db") })
      .registerWorkflowWithName("Echo", echo)
      .registerWorkflowWithName("Collector", collector)
      .registerWorkflowWithName("Waiter", waiter);
    await runtime.start();
    return runtime;
  };
  const harness: TriggerHarness = {
    runtime: await boot(),
    get service() {
      return harness.runtime.service;
    },
    async startTriggers(files, options = {}) {
      const folder = mkdtempSync(join(dir, "resources-"));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
      const manager = new TriggerManager(planTriggers(await loadResources(folder, options.env)), {
        service: harness.runtime.service,
        connectTimeoutMs: 10_000,
        logger: options.logger,
      });
      managers.push(manager);
      await manager.start();
      return manager;
    },
    async restartRuntime() {
      await harness.runtime.stop();
      harness.runtime = await boot();
    },
    async instances(prefix = "") {
      const all = await harness.service.list({ limit: 10_000 });
      return all.filter((i) => i.instanceId.startsWith(prefix));
    },
    async close() {
      for (const manager of managers) await manager.close();
      await harness.runtime.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * Whether a local broker answers on `port`. With WEFT_REQUIRE_SERVICES=1 a missing broker throws (the test
 * file fails); otherwise the suite is skipped and says why.
 */
/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function portOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/** Waits until the port is open (`open`) or closed. */
async function waitForPort(port: number, open: boolean, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => (await portOpen(port)) === open || undefined,
    timeoutMs,
    `port ${port} ${open ? "open" : "closed"}`,
  );
}

export async function serviceAvailable(name: string, port: number): Promise<boolean> {
  const up = await portOpen(port);
  if (up) return true;
  const message = `${name} is not reachable on 127.0.0.1:${port}`;
  if (process.env.WEFT_REQUIRE_SERVICES === "1") throw new Error(`${message} (WEFT_REQUIRE_SERVICES=1)`);
  console.error(`skipping ${name} trigger tests: ${message}`);
  return false;
}

/** A name no other test run uses, for topics, queues, streams and groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A logger that counts how trigger messages ended (`outcome` of "trigger message processed"). */
export function outcomeCounter(): Logger & {
  outcomes: Map<string, number>;
  failures: unknown[];
  warnings: string[];
} {
  const outcomes = new Map<string, number>();
  const failures: unknown[] = [];
  const warnings: string[] = [];
  const note = (fields: object) => {
    const outcome = (fields as { outcome?: string }).outcome;
    if (outcome) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  };
  return {
    outcomes,
    failures,
    warnings,
    debug: note,
    info: note,
    warn: (fields, message) => {
      failures.push(fields);
      if (message) warnings.push(message);
    },
    error: (fields) => failures.push(fields),
  };
}

/** A Dapr Component document of `type` with string metadata. */
export function componentYaml(name: string, type: string, metadata: Record<string, string>): string {
  const items = Object.entries(metadata).map(([k, v]) => `    - name: ${k}\n      value: "${v}"`);
  return `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: ${name} }
spec:
  type: ${type}
  version: v1
  metadata:
${items.join("\n")}
`;
}

/** A Subscription that starts the Echo workflow for each message on `pubsub`/`topic`. */
export function echoSubscriptionYaml(
  name: string,
  pubsub: string,
  topic: string,
  idTemplate: string,
): string {
  return `
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: ${name} }
spec:
  pubsubname: ${pubsub}
  topic: ${topic}
  metadata:
    workflowName: Echo
    instanceIdTemplate: "${idTemplate}"
`;
}

/**
 * An at-least-once publisher that runs through a broker restart: it publishes message 0, 1, 2, ... (a failed
 * publish is sent again), restarts the broker once `restartAfter` messages went through, and goes on until at
 * least `minimum` were published and the restart is over, so the outage always lands mid-flow.
 * Resolves with how many messages were published.
 */
export async function publishThroughRestart(options: {
  publish: (n: number) => Promise<void>;
  restart: () => Promise<void>;
  minimum: number;
  restartAfter: number;
}): Promise<number> {
  let restarted = false;
  let published = 0;
  const publisher = (async () => {
    for (let n = 0; n < options.minimum || !restarted; n++) {
      for (;;) {
        try {
          await options.publish(n);
          published = n + 1;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  await eventually(() => published >= options.restartAfter, 60_000, `${options.restartAfter} publishes`);
  try {
    await options.restart();
  } finally {
    restarted = true;
  }
  await publisher;
  return published;
}

/**
 * What a broker-restart test checks once publishing is over: messages 0 to `total - 1` each started exactly one
 * instance `${prefix}${n}` (redeliveries were recognised as duplicates), and the restart really cut the
 * connection while messages flowed (`lostConnection` is the component's warning).
 */
export async function expectEachStartedOnce(
  h: TriggerHarness,
  log: ReturnType<typeof outcomeCounter>,
  options: { prefix: string; total: number; lostConnection: string },
): Promise<void> {
  const { prefix, total } = options;
  await eventually(
    async () => (await h.instances(prefix)).length === total || undefined,
    120_000,
    `${total} instances`,
  );
  const ids = (await h.instances(prefix)).map((i) => i.instanceId).sort();
  expect(ids).toEqual(Array.from({ length: total }, (_, n) => `${prefix}${n}`).sort());
  expect(log.outcomes.get("started")).toBe(total);
  expect(log.warnings).toContain(options.lostConnection);
}

const run = promisify(execFile);

/** A local service the tests may restart: its port and the commands (argv) that stop and start it. */
export interface LocalService {
  port: number;
  stop: string[];
  start: string[];
}

/** Starts the service unless something already answers on its port, and waits until it does. */
export async function startServiceIfDown(service: LocalService): Promise<void> {
  if (await portOpen(service.port)) return;
  const [command, ...args] = service.start;
  await run(command!, args);
  await waitForPort(service.port, true);
}

/** Stops the service, waits until its port is closed and a second more, and starts it again. */
export async function restartService(service: LocalService): Promise<void> {
  const [command, ...args] = service.stop;
  await run(command!, args).catch(() => {});
  await waitForPort(service.port, false);
  await new Promise((r) => setTimeout(r, 1000));
  await startServiceIfDown(service);
}
