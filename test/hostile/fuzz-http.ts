/**
 * Hostile HTTP requests over the app's own route table (read from fastify's printRoutes, so a route added later
 * is fuzzed without touching this file): hostile path parameters, query strings, headers and bodies.
 */
import type { FastifyInstance } from "fastify";
import { hostileBody, hostileText, KNOWN_IDS, type Random } from "./fuzz-values.js";

export interface Route {
  method: string;
  /** Literal segments as text; a parameter (or a wildcard) as `{ param }`, its names as fastify prints them. */
  segments: (string | { param: string })[];
}

/** Every method and path of the app, from the tree that `printRoutes` draws. */
export function routeTable(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?$/u.exec(line.trimEnd());
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (prefixes[depth - 1] ?? "") + match[2]!;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of (match[3] ?? "").split(",").map((m) => m.trim())) {
      if (!method) continue;
      const segments = path
        .split("/")
        .slice(1)
        .map((s) => (s.startsWith(":") || s === "*" ? { param: s } : s));
      routes.push({ method, segments });
    }
  }
  return routes;
}

export interface HttpCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const QUERY_NAMES = [
  "instanceID",
  "wait",
  "limit",
  "status",
  "name",
  "createdFrom",
  "createdTo",
  "after",
  "__proto__",
  "x",
];
const QUERY_VALUES = [
  "",
  "-1",
  "abc",
  "0.5",
  "1e308",
  "NaN",
  "COMPLETED,bogus",
  "+275760-09-13T00:00:00Z",
  "2026-01-01T00:00:00Z",
  "1001",
  "0",
];
const CONTENT_TYPES = [
  "application/json",
  "text/plain",
  "application/octet-stream",
  "multipart/form-data",
  "application/json; charset=utf-16",
  'x/y; a="b',
  "",
];

/** A path segment in the URL: usually percent-encoded, sometimes raw percent sequences. */
function segment(r: Random, text: string): string {
  if (r.chance(0.1)) return r.pick(["%", "%zz", "%C3%28", "%00", "%2e%2e", "%2F", "%ff%fe", "a%20b", ""]);
  // A lone surrogate cannot be percent-encoded; send its replacement's encoding.
  return encodeURIComponent(text.replace(/[\ud800-\udfff]/gu, "\ufffd"));
}

function metadataHeader(r: Random): string {
  // Now and then over Node's 16 KB of headers (431), mostly not: a 431 costs the client its connection.
  const pairs = Array.from({ length: r.chance(0.05) ? 70 : 1 + r.int(3) }, () => {
    const key = r.chance(0.3)
      ? r.pick(["__proto__", "a", "constructor", "", "k".repeat(300)])
      : `k${r.int(5)}`;
    const value = r.chance(0.05) ? "v".repeat(5000) : r.pick(["1", '"quoted value"', "=", '"', "x=y"]);
    return r.chance(0.1) ? key : `${key}=${value}`;
  });
  return pairs.join(r.pick(["; ", ";", ";;"])).replace(/[^\t\x20-\x7e]/gu, "?");
}

/** A value a parameter of this name would ordinarily hold. */
function plausible(r: Random, names: string): string {
  const options: string[] = [];
  if (/component|scope|first/u.test(names)) options.push("dapr", "Echo", "AwaitGo");
  if (/workflowName|second/u.test(names)) options.push("Echo", "AwaitGo");
  if (/instanceId|second/u.test(names)) options.push(...KNOWN_IDS, `fz-${r.int(50)}`, `fz-${r.int(50)}`);
  if (/eventName/u.test(names)) options.push("go");
  if (/pubsubname/u.test(names)) options.push("pubsub");
  if (options.length === 0) options.push("topic", "a/b");
  return r.pick(options);
}

export function hostileRequest(r: Random, route: Route): HttpCase {
  // Mostly plausible parameters with a hostile one among them, so requests get past routing and scope checks
  // to the handlers' own reading of ids, names, query and body.
  const segments = route.segments.map((s) => {
    if (typeof s === "string") return r.chance(0.03) ? segment(r, hostileText(r)) : s;
    return segment(r, r.chance(0.7) ? plausible(r, s.param) : hostileText(r));
  });
  let path = `/${segments.join("/")}`;
  if (path.length > 6000) path = path.slice(0, 6000);
  if (r.chance(0.6)) {
    const params = Array.from({ length: 1 + r.int(3) }, () => {
      const name = r.pick(QUERY_NAMES);
      const value = r.chance(0.5) ? r.pick(QUERY_VALUES) : hostileText(r).slice(0, 300);
      return `${encodeURIComponent(name)}=${encodeURIComponent(value.replace(/[\ud800-\udfff]/gu, "?"))}`;
    });
    path += `?${params.join("&")}`;
  }
  const headers: Record<string, string> = {};
  if (r.chance(0.7)) headers["content-type"] = r.pick(CONTENT_TYPES);
  if (r.chance(0.3)) headers["dapr-workflow-metadata"] = metadataHeader(r);
  if (r.chance(0.05)) headers["dapr-api-token"] = "nope";
  const method = r.chance(0.05) ? r.pick(["PUT", "PATCH", "OPTIONS", "DELETE", "POST", "GET"]) : route.method;
  const body = method === "GET" || method === "HEAD" ? (r.chance(0.05) ? "{}" : undefined) : hostileBody(r);
  return { method, path, headers, body };
}
