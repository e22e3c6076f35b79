import { describe, test } from "vitest";
import { freshSchema, testPostgresUrl } from "../../test/postgres/database.js";
import { PostgresSlots } from "./postgres/limits.js";
import { PostgresStore } from "./postgres/postgres-store.js";
import { MemorySlots } from "./slots.js";
import { runSlotsContract } from "./slots-contract.js";

runSlotsContract("memory", async (ttlMs) => ({ slots: new MemorySlots(ttlMs) }));

const url = await testPostgresUrl();
if (url) {
  runSlotsContract("postgres", async (ttlMs) => {
    const { schema, drop } = await freshSchema(url);
    // The store applies the migrations that create the slots' tables.
    await (await PostgresStore.open({ url, schema, poolSize: 1 })).close();
    return { slots: new PostgresSlots(`${url}?schema=${schema}`, ttlMs), cleanup: drop };
  });
} else {
  describe.skip("concurrency slots: postgres (no PostgreSQL server)", () => {
    test("skipped", () => {});
  });
}
