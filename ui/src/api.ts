/**
 * The dashboard's only way to the server: the public HTTP API, exactly as curl would call it. The API token lives
 * in sessionStorage (gone when the tab closes) and travels in the `dapr-api-token` header, never in a URL.
 */
const TOKEN_KEY = "weft.apiToken";

export type RuntimeStatus = "PENDING" | "RUNNING" | "SUSPENDED" | "COMPLETED" | "FAILED" | "TERMINATED";
export const STATUSES: readonly RuntimeStatus[] = [
  "PENDING",
  "RUNNING",
  "SUSPENDED",
  "COMPLETED",
  "FAILED",
  "TERMINATED",
];
export const TERMINAL: ReadonlySet<string> = new Set(["COMPLETED", "FAILED", "TERMINATED"]);

/** Dapr's GetWorkflowResponse JSON, as every instance route answers. */
export interface Instance {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  lastUpdatedAt: string;
  runtimeStatus: RuntimeStatus;
  properties: Record<string, string>;
  metadata?: Record<string, string>;
}

export interface InstancePage {
  instances: Instance[];
  continuationToken?: string;
}

export interface HistoryEvent {
  type: string;
  eventId: number;
  timestamp: string;
  [field: string]: unknown;
}

export interface Overview {
  generatedAt: string;
  windowSeconds: number;
  bucketSeconds: number;
  total: number;
  statuses: Record<RuntimeStatus, number>;
  workflows: { name: string; total: number; statuses: Record<RuntimeStatus, number> }[];
  series: {
    start: string;
    created: number;
    completed: number;
    failed: number;
    terminated: number;
    failureRate: number;
  }[];
  backlog: { instances: number; activities: number };
}

/** An answer other than 2xx, with Dapr's error code and message when the body has them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export function getToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function setToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthorized: () => void = () => {};
/** Called whenever the server answers 401, so the app can ask for the token again. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: string): Promise<T> {
  const headers: Record<string, string> = {};
  const token = getToken();
  if (token) headers["dapr-api-token"] = token;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body, cache: "no-store" });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  // The status URL answers 202 while running and 500 once failed, each with the instance beside the code.
  if (
    response.ok ||
    (method === "GET" && response.status === 500 && path.startsWith("/weft/v1/instances/"))
  ) {
    return json as T;
  }
  const error = (json ?? {}) as { errorCode?: string; message?: string };
  if (response.status === 401) onUnauthorized();
  throw new ApiError(
    response.status,
    error.errorCode ?? `HTTP_${response.status}`,
    error.message ?? (text.slice(0, 200) || response.statusText),
  );
}

const enc = encodeURIComponent;
const workflow = (id: string) => `/v1.0/workflows/dapr/${enc(id)}`;

export const api = {
  /** Checks the token against a route that needs it (health routes do not). */
  metadata: () => call<{ id: string; runtimeVersion: string }>("GET", "/v1.0/metadata"),
  list: (query: URLSearchParams) => call<InstancePage>("GET", `/weft/v1/instances?${query}`),
  get: (id: string) => call<Instance>("GET", workflow(id)),
  history: (id: string) => call<{ events: HistoryEvent[] }>("GET", `/weft/v1/instances/${enc(id)}/history`),
  overview: () => call<Overview>("GET", "/weft/v1/overview?window=3600&bucket=60"),
  raise: (id: string, name: string, data: string) =>
    call<unknown>("POST", `${workflow(id)}/raiseEvent/${enc(name)}`, data || undefined),
  suspend: (id: string) => call<unknown>("POST", `${workflow(id)}/pause`),
  resume: (id: string) => call<unknown>("POST", `${workflow(id)}/resume`),
  terminate: (id: string, output: string) =>
    call<unknown>("POST", `${workflow(id)}/terminate`, output || undefined),
  purge: (id: string) => call<unknown>("POST", `${workflow(id)}/purge`),
  /** Weft's RerunWorkflowFromEvent over HTTP: a new instance from a finished one's history up to `fromEvent`. */
  rerun: (id: string, body: { fromEvent: number; newInstanceID?: string; input?: unknown }) =>
    call<{ instanceID: string }>("POST", `/weft/v1/instances/${enc(id)}/rerun`, JSON.stringify(body)),
};
