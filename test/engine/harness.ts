/**
 * Runs the engine suites on every store. A store factory opens (and reopens, for restart tests) one database.
 * The PostgreSQL store joins this list in its own module.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkflowClient, WorkflowRuntime, type WorkflowRuntimeOptions } from "../../src/index.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { postgresFactory } from "../postgres/engine-factory.js";
import type { StoreFactory } from "./store-factory.js";

export const sqliteFactory: StoreFactory = {
  name: "sqlite",
  async create() {
    const dir = mkdtempSync(join(tmpdir(), "weft-engine-"));
    return {
      open: async () => new SqliteStore({ path: join(dir, "weft.db") }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

export const storeFactories: StoreFactory[] = [sqliteFactory, ...(postgresFactory ? [postgresFactory] : [])];

export interface Harness {
  runtime: WorkflowRuntime;
  client: WorkflowClient;
  /** Stops the runtime and its store, and starts a new runtime on the same database with `register` applied. */
  restart(
    register?: (runtime: WorkflowRuntime) => void,
    options?: Partial<WorkflowRuntimeOptions>,
  ): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  factory: StoreFactory,
  register: (runtime: WorkflowRuntime) => void,
  options: Partial<WorkflowRuntimeOptions> = {},
): Promise<Harness> {
  const db = await factory.create();
  let store = await db.open();
  const boot = async (reg: (runtime: WorkflowRuntime) => void, opts: Partial<WorkflowRuntimeOptions>) => {
    const runtime = new WorkflowRuntime({ ...opts, store });
    reg(runtime);
    await runtime.start();
    return runtime;
  };
  const harness: Harness = {
    runtime: await boot(register, options),
    client: undefined as unknown as WorkflowClient,
    async restart(reg = register, opts = options) {
      await harness.runtime.stop();
      await store.close();
      store = await db.open();
      harness.runtime = await boot(reg, opts);
      harness.client = new WorkflowClient(harness.runtime);
    },
    async close() {
      await harness.runtime.stop();
      await store.close();
      await db.cleanup();
    },
  };
  harness.client = new WorkflowClient(harness.runtime);
  return harness;
}
