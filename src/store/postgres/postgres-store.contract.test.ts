import { describe, test } from "vitest";
import { freshSchema, testPostgresUrl } from "../../../test/postgres/database.js";
import { runStoreContract } from "../store-contract.js";
import { PostgresStore } from "./postgres-store.js";

const url = await testPostgresUrl();

if (url) {
  runStoreContract({
    name: "postgres",
    newStore: async () => {
      const { schema, drop } = await freshSchema(url);
      return { store: await PostgresStore.open({ url, schema, poolSize: 3 }), cleanup: drop };
    },
  });
} else {
  describe.skip("store contract: postgres (no PostgreSQL server; see test/postgres/database.ts)", () => {
    test("skipped", () => {});
  });
}
