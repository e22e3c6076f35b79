/** What every scenario gets: the SDK under test, its client, and a raw gRPC client for the RPCs SDKs lack. */
import { randomUUID } from "node:crypto";
import type { RawClient } from "../../grpc/raw-client.js";
import type { Client, Sdk } from "../harness/sdk.js";

export interface ScenarioEnv {
  sdk: Sdk;
  client: Client;
  raw: RawClient;
}

export const newId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
