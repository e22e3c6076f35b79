import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLifecycleEventsContract } from "../lifecycle-events-contract.js";
import { runStoreContract } from "../store-contract.js";
import { SqliteStore } from "./sqlite-store.js";

runStoreContract({
  name: "sqlite :memory:",
  newStore: async (options: { clock?: () => number } = {}) => ({
    store: new SqliteStore({ path: ":memory:", ...options }),
  }),
});

const onFile = {
  name: "sqlite file",
  newStore: async (options: { lifecycleEvents?: boolean; clock?: () => number } = {}) => {
    const dir = mkdtempSync(join(tmpdir(), "weft-contract-"));
    return {
      store: new SqliteStore({ path: join(dir, "weft.db"), ...options }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};
runStoreContract(onFile);
runLifecycleEventsContract(onFile);
