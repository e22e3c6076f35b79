/**
 * `GET /weft/v1/overview[?window=<seconds>&bucket=<seconds>]`: what the dashboard's overview page draws, from the
 * store (on PostgreSQL that is the whole cluster, whichever node answers).
 * - `statuses`: instance counts by status; `workflows`: the same per workflow name.
 * - `series`: one entry per bucket of the last `window` seconds (default 3600, buckets of 60): instances created
 *   and instances ended (completed, failed, terminated) in it, and the failure rate of the ended ones.
 * - `backlog`: instances with events waiting to be processed (taken by a node or not), and activity tasks not
 *   finished yet (waiting or running), right now.
 * Counting reads every instance, and on SQLite it holds the store's only connection while it does. So an answer
 * is reused for REUSE_FACTOR times as long as it took to compute (and concurrent requests share one computation):
 * however large the store, the overview occupies the store at most 1/REUSE_FACTOR of the time.
 */
import type { FastifyInstance } from "fastify";
import { RUNTIME_STATUSES, type RuntimeStatus } from "../../../core/history.js";
import { type RouteContext, service } from "../context.js";
import { malformed } from "../errors.js";
import { queryValue } from "../request.js";

const MAX_WINDOW_SECONDS = 7 * 24 * 3600;
const MAX_BUCKETS = 500;
const REUSE_FACTOR = 20;

type Answer = ReturnType<typeof compute> extends Promise<infer A> ? A : never;

export function overviewRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const recent = new Map<string, { answer: Promise<Answer>; freshUntil: number }>();
  app.get("/weft/v1/overview", { config: { operation: "overview" } }, async (request) => {
    const windowSeconds = seconds(
      queryValue(request.query, "window"),
      "window",
      3600,
      60,
      MAX_WINDOW_SECONDS,
    );
    const bucketSeconds = seconds(queryValue(request.query, "bucket"), "bucket", 60, 1, windowSeconds);
    const bucketCount = Math.ceil(windowSeconds / bucketSeconds);
    if (bucketCount > MAX_BUCKETS) {
      throw malformed(`'window' / 'bucket' gives ${bucketCount} buckets; at most ${MAX_BUCKETS} are allowed`);
    }
    const key = `${windowSeconds}/${bucketSeconds}`;
    const reused = recent.get(key);
    if (reused && Date.now() < reused.freshUntil) return reused.answer;
    const began = Date.now();
    const answer = compute(ctx, bucketSeconds, bucketCount, windowSeconds);
    // Shared while it runs; kept afterwards in proportion to its cost; a failure is never kept.
    const entry = { answer, freshUntil: Number.POSITIVE_INFINITY };
    if (recent.size >= 16) recent.clear();
    recent.set(key, entry);
    answer.then(
      () => {
        entry.freshUntil = Date.now() + (Date.now() - began) * REUSE_FACTOR;
      },
      () => {
        if (recent.get(key) === entry) recent.delete(key);
      },
    );
    return answer;
  });
}

async function compute(ctx: RouteContext, bucketSeconds: number, bucketCount: number, windowSeconds: number) {
  const now = Date.now();
  // Buckets line up on multiples of their size, so a chart polled every few seconds does not shift sideways.
  const bucketMs = bucketSeconds * 1000;
  const since = (Math.floor(now / bucketMs) + 1) * bucketMs - bucketCount * bucketMs;
  const found = await service(ctx).overview({ since, bucketMs, now });

  const statuses = Object.fromEntries(RUNTIME_STATUSES.map((s) => [s, 0])) as Record<RuntimeStatus, number>;
  const byName = new Map<string, Record<RuntimeStatus, number>>();
  for (const { name, status, count } of found.counts) {
    statuses[status] += count;
    let counts = byName.get(name);
    if (!counts) {
      counts = Object.fromEntries(RUNTIME_STATUSES.map((s) => [s, 0])) as Record<RuntimeStatus, number>;
      byName.set(name, counts);
    }
    counts[status] += count;
  }
  const byIndex = new Map(found.buckets.map((b) => [b.index, b]));
  const series = Array.from({ length: bucketCount }, (_, index) => {
    const b = byIndex.get(index);
    const created = b?.created ?? 0;
    const completed = b?.completed ?? 0;
    const failed = b?.failed ?? 0;
    const terminated = b?.terminated ?? 0;
    const ended = completed + failed + terminated;
    return {
      start: new Date(since + index * bucketMs).toISOString(),
      created,
      completed,
      failed,
      terminated,
      failureRate: ended === 0 ? 0 : failed / ended,
    };
  });
  return {
    generatedAt: new Date(now).toISOString(),
    windowSeconds,
    bucketSeconds,
    total: Object.values(statuses).reduce((a, b) => a + b, 0),
    statuses,
    workflows: [...byName].map(([name, counts]) => ({
      name,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      statuses: counts,
    })),
    series,
    backlog: { instances: found.backlog.workflows, activities: found.backlog.activities },
  };
}

function seconds(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw malformed(`'${name}' must be a whole number of seconds from ${min} to ${max}, got '${text}'`);
  }
  return value;
}
