/**
 * The metadata of a `workflow.temporal` component, checked at startup with errors that name the file and the
 * field. Keys are matched without regard to case, as Dapr's own Temporal component reads them (`hostport`,
 * `HostPort` and `hostPort` are the same key); unknown keys are refused so a typo never goes unnoticed.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { TLSConfig } from "@temporalio/client";
import { WeftError } from "../../core/errors.js";
import type { ComponentResource } from "../resources.js";

export interface TemporalConfig {
  /** The component's name, for messages. */
  component: string;
  /** `host:port` of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** Sent with every request that carries one, so Temporal's history shows who acted. */
  identity: string;
  /** False: plain text. */
  tls: TLSConfig | false;
  apiKey?: string;
  /** Upper bound of one call to Temporal, retries included. */
  requestTimeoutMs: number;
  /** `dapr-workflow-metadata` keys also sent as Keyword search attributes (they must exist in the namespace). */
  searchAttributeKeys: readonly string[];
}

const KEYS = [
  "hostPort",
  "namespace",
  "taskQueue",
  "identity",
  "tls",
  "tlsServerName",
  "tlsCaCertificate",
  "tlsClientCertificate",
  "tlsClientKey",
  "apiKey",
  "requestTimeout",
  "searchAttributes",
] as const;
type Key = (typeof KEYS)[number];

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export function readTemporalConfig(component: ComponentResource): TemporalConfig {
  const values = new Map<Key, string>();
  for (const [rawKey, value] of Object.entries(component.metadata)) {
    const key = KEYS.find((k) => k.toLowerCase() === rawKey.toLowerCase());
    if (!key) throw invalid(component, rawKey, `is not a known field here (known: ${KEYS.join(", ")})`);
    if (value !== "") values.set(key, value);
  }
  const taskQueue = values.get("taskQueue");
  if (!taskQueue)
    throw invalid(component, "taskQueue", "is required: the task queue Temporal's workers poll");
  const tlsFlag = values.get("tls");
  if (tlsFlag !== undefined && tlsFlag !== "true" && tlsFlag !== "false") {
    throw invalid(component, "tls", `must be true or false, got '${tlsFlag}'`);
  }
  return {
    component: component.name,
    address: values.get("hostPort") ?? "localhost:7233",
    namespace: values.get("namespace") ?? "default",
    taskQueue,
    identity: values.get("identity") ?? `weft-${process.pid}@${hostname()}`,
    tls: readTls(component, values, tlsFlag),
    ...(values.has("apiKey") ? { apiKey: values.get("apiKey") } : {}),
    requestTimeoutMs: readDuration(component, values.get("requestTimeout")),
    searchAttributeKeys: (values.get("searchAttributes") ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean),
  };
}

/**
 * TLS is on when `tls: true`, an API key is set (Temporal Cloud refuses plain text) or any TLS field is given;
 * `tls: false` turns it off explicitly.
 */
function readTls(component: ComponentResource, values: Map<Key, string>, flag: string | undefined) {
  const serverName = values.get("tlsServerName");
  const ca = values.get("tlsCaCertificate");
  const crt = values.get("tlsClientCertificate");
  const key = values.get("tlsClientKey");
  if ((crt === undefined) !== (key === undefined)) {
    throw invalid(component, crt ? "tlsClientKey" : "tlsClientCertificate", "is required with the other one");
  }
  const anyField = serverName !== undefined || ca !== undefined || crt !== undefined;
  if (flag === "false") {
    if (anyField) throw invalid(component, "tls", "is false, but TLS fields are set");
    return false;
  }
  if (flag !== "true" && !anyField && !values.has("apiKey")) return false;
  const tls: TLSConfig = {};
  if (serverName) tls.serverNameOverride = serverName;
  if (ca) tls.serverRootCACertificate = pem(component, "tlsCaCertificate", ca);
  if (crt && key) {
    tls.clientCertPair = {
      crt: pem(component, "tlsClientCertificate", crt),
      key: pem(component, "tlsClientKey", key),
    };
  }
  return tls;
}

/** PEM text itself (from a `secretKeyRef`, say), or the path of a PEM file. */
function pem(component: ComponentResource, field: Key, value: string): Uint8Array {
  if (value.trimStart().startsWith("-----BEGIN")) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (error) {
    throw invalid(component, field, `cannot read '${value}': ${(error as Error).message}`);
  }
}

function readDuration(component: ComponentResource, value: string | undefined): number {
  if (value === undefined) return DEFAULT_REQUEST_TIMEOUT_MS;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value.trim());
  const ms = match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as "ms" | "s" | "m"] : 0;
  if (!match || ms < 1)
    throw invalid(component, "requestTimeout", `must be a duration like 500ms, 10s or 1m, got '${value}'`);
  return ms;
}

function invalid(component: ComponentResource, field: string, message: string): WeftError {
  return new WeftError("invalid_argument", `${component.file}: spec.metadata.${field}: ${message}`);
}
