/** How the engine suites open a store; its own file so harness.ts and postgres/engine-factory.ts share it without a cycle. */
import type { Store } from "../../src/store/store.js";

export interface StoreFactory {
  name: string;
  /** A fresh, empty database; `open` may be called again after the previous store was closed. */
  create(): Promise<{ open(): Promise<Store>; cleanup(): Promise<void> }>;
}
