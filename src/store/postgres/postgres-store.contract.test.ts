import { describe, test } from "vitest";
import { freshSchema, testPostgresUrl } from "../../../test/postgres/database.js";
import { runLifecycleEventsContract } from "../lifecycle-events-contract.js";
import { runStoreContract } from "../store-contract.js";
import { PostgresStore } from "./postgres-store.js";

const url = await testPostgresUrl();

if (url) {
  const options = {
    name: "postgres",
    newStore: async (extra: { lifecycleEvents?: boolean; clock?: () => number } = {}) => {
      const { schema, drop } = await freshSchema(url);
      return { store: await PostgresStore.open({ url, schema, poolSize: 3, ...extra }), cleanup: drop };
    },
  };
  runStoreContract(options);
  runLifecycleEventsContract(options);
} else {
  describe.skip("store contract: postgres (no PostgreSQL server; see test/postgres/database.ts)", () => {
    test("skipped", () => {});
  });
}
