import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runStoreContract } from "../store-contract.js";
import { SqliteStore } from "./sqlite-store.js";

runStoreContract({
  name: "sqlite :memory:",
  newStore: async () => ({ store: new SqliteStore({ path: ":memory:" }) }),
});

runStoreContract({
  name: "sqlite file",
  newStore: async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-contract-"));
    return {
      store: new SqliteStore({ path: join(dir, "weft.db") }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
