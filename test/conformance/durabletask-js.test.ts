/** The reference's conformance scenarios with @dapr/durabletask-js 1.0.0 against a `weft run` process. */
import { durabletaskJs } from "./harness/sdk.js";
import { conformanceSuite } from "./harness/suite.js";

conformanceSuite(durabletaskJs);
