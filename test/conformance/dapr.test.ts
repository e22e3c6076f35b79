/** The reference's conformance scenarios with @dapr/dapr 3.18 against a `weft run` process. */
import { dapr } from "./harness/sdk.js";
import { conformanceSuite } from "./harness/suite.js";

conformanceSuite(dapr);
