/**
 * The engine suites' PostgreSQL store: a fresh schema per harness on the test server (see database.ts);
 * `undefined` when no server is available and none is required.
 */
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { StoreFactory } from "../engine/store-factory.js";
import { freshSchema, testPostgresUrl } from "./database.js";

const url = await testPostgresUrl();

export const postgresFactory: StoreFactory | undefined = url
  ? {
      name: "postgres",
      async create() {
        const { schema, drop } = await freshSchema(url);
        return { open: () => PostgresStore.open({ url, schema, poolSize: 3 }), cleanup: drop };
      },
    }
  : undefined;
