/**
 * Store nodes for the multi-node tests: each test gets a fresh schema (made by `newSchema`, or by the first
 * `node()`), nodes in this process and fixture processes on it, all stopped and the schema dropped after the test.
 * Call inside a `describe`: it registers its own `afterEach`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach } from "vitest";
import type { PostgresStoreOptions } from "../../src/store/postgres/connection.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { freshSchema } from "./database.js";

export function schemaNodes(url: string) {
  const stores: PostgresStore[] = [];
  const children: ChildProcess[] = [];
  let drop: (() => Promise<void>) | undefined;
  let schema = "";
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await drop?.();
    drop = undefined;
  });
  const newSchema = async (): Promise<void> => {
    ({ schema, drop } = await freshSchema(url));
  };
  return {
    get schema(): string {
      return schema;
    },
    newSchema,
    /** A store node on this test's schema. */
    async node(leaseTtlMs = 30_000, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
      if (!drop) await newSchema();
      const store = await PostgresStore.open({ url, schema, leaseTtlMs, poolSize: 2, ...options });
      stores.push(store);
      return store;
    },
    /** A fixture process, given the URL and this test's schema before `args`; its stdout is piped. */
    spawnFixture(fixture: string, args: string[]): ChildProcess {
      const child = spawn(process.execPath, ["--import", "tsx", fixture, url, schema, ...args], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(child);
      return child;
    },
  };
}
