import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLifecycleEventsContract } from "../lifecycle-events-contract.js";
import { runStoreContract } from "../store-contract.js";
import { SqliteStore } from "./sqlite-store.js";

runStoreContract({
  name: "sqlite :memory:",
  newStore: async () => ({ store: new SqliteStore({ path: ":memory:" }) }),
});

const onFile = {
  name: "sqlite file",
  newStore: async (options: { lifecycleEvents?: boolean } = {}) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-contract-"));
    return {
      store: new SqliteStore({ path: join(dir, "weft.db"), ...options }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};
runStoreContract(onFile);
runLifecycleEventsContract(onFile);
