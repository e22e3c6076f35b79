/**
 * The dashboard's list at scale: seeds N instances (default 1,000,000) straight into an embedded SQLite store file,
 * then times the HTTP calls the dashboard makes (its instances page: 50 newest first, following continuation
 * tokens, with each filter; its overview page) through the real HTTP app over a runtime on that file.
 *   node --import tsx bench/ui-list.ts [count]
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createHttpApp } from "../src/api/http/app.js";
import { encodePageToken } from "../src/api/page-token.js";
import { WorkflowRuntime } from "../src/index.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";

const COUNT = Number(process.argv[2] ?? 1_000_000);
const NAMES = Array.from({ length: 10 }, (_, i) => `workflow-${i}`);
// Mostly finished work, as a long-lived system holds.
const STATUSES: [string, number][] = [
  ["COMPLETED", 0.8],
  ["FAILED", 0.05],
  ["TERMINATED", 0.03],
  ["RUNNING", 0.1],
  ["SUSPENDED", 0.01],
  ["PENDING", 0.01],
];
const DAY = 86_400_000;
const now = Date.now();
const start = now - 30 * DAY;

function statusOf(n: number): string {
  let x = ((n * 2654435761) % 1000) / 1000;
  for (const [status, share] of STATUSES) {
    if (x < share) return status;
    x -= share;
  }
  return "COMPLETED";
}

async function seed(path: string): Promise<void> {
  // The store's own migrations make the schema; rows then go in directly, far faster than a million starts.
  await new SqliteStore({ path }).close();
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const insert = db.prepare(
    `INSERT INTO instances (instance_id, name, execution_id, status, created_at, updated_at, completed_at, input,
                            output, custom_status, metadata, history_length)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
  );
  const batch = db.transaction((from: number, to: number) => {
    for (let n = from; n < to; n++) {
      const created = start + Math.floor((n / COUNT) * 30 * DAY);
      const status = statusOf(n);
      const terminal = status === "COMPLETED" || status === "FAILED" || status === "TERMINATED";
      const updated = created + (n % 5000);
      // One instance in five carries start metadata, as tagged work does.
      const metadata = n % 5 === 0 ? JSON.stringify({ customer: `c${n % 1000}`, region: `r${n % 7}` }) : null;
      insert.run(
        `inst-${String(n).padStart(7, "0")}`,
        NAMES[n % NAMES.length],
        `e-${n}`,
        status,
        created,
        updated,
        terminal ? updated : null,
        `{"order":${n}}`,
        terminal ? `{"ok":true}` : null,
        status === "RUNNING" ? `"step ${n % 9}"` : null,
        metadata,
      );
    }
  });
  for (let from = 0; from < COUNT; from += 50_000) batch(from, Math.min(COUNT, from + 50_000));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(): Promise<void> {
  // WEFT_BENCH_DB=<file> keeps the seeded file and reuses it on the next run (seeding a million takes minutes).
  const kept = process.env.WEFT_BENCH_DB;
  const dir = kept ? undefined : mkdtempSync(join(tmpdir(), "weft-ui-bench-"));
  const path = kept ?? join(dir!, "weft.db");
  try {
    if (!kept || !existsSync(path)) {
      const seedStart = performance.now();
      await seed(path);
      console.log(`seeded ${COUNT} instances in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
    }

    const runtime = new WorkflowRuntime({ databasePath: path });
    await runtime.start();
    const app = await createHttpApp({ runtime });
    const get = async (url: string) => {
      const t = performance.now();
      const response = await app.inject({ method: "GET", url });
      const ms = performance.now() - t;
      if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
      return { ms, body: JSON.parse(response.body) as { instances?: unknown[]; continuationToken?: string } };
    };
    const time = async (label: string, url: string, runs = 20) => {
      await get(url); // warm
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs; i++) {
        const { ms, body } = await get(url);
        times.push(ms);
        rows = body.instances?.length ?? 0;
      }
      console.log(
        `| ${label} | ${rows} | ${percentile(times, 0.5).toFixed(1)} | ${percentile(times, 0.95).toFixed(1)} |`,
      );
    };

    console.log("\n| dashboard call (limit 50) | rows | median ms | p95 ms |\n| --- | --- | --- | --- |");
    const base = "/weft/v1/instances?limit=50";
    await time("first page, newest first", base);
    // Following tokens page after page, as "Older →" does.
    let url = base;
    const pageTimes: number[] = [];
    for (let page = 0; page < 200; page++) {
      const { ms, body } = await get(url);
      pageTimes.push(ms);
      url = `${base}&continuationToken=${body.continuationToken}`;
    }
    console.log(
      `| pages 1-200 by continuation token | 50 | ${percentile(pageTimes, 0.5).toFixed(1)} | ${percentile(pageTimes, 0.95).toFixed(1)} |`,
    );
    // A page in the middle costs what the first does: the token is a position, not an offset.
    const middle = encodePageToken({
      createdAt: start + 15 * DAY,
      instanceId: `inst-${String(COUNT / 2).padStart(7, "0")}`,
    });
    await time("a page half-way down (token)", `${base}&continuationToken=${middle}`);
    await time("status=FAILED", `${base}&status=FAILED`);
    await time("status=RUNNING,SUSPENDED", `${base}&status=RUNNING,SUSPENDED`);
    await time("name=workflow-3", `${base}&name=workflow-3`);
    await time("metadata=customer=c40", `${base}&metadata=customer%3Dc40`);
    await time("metadata=customer=c40 & region=r0", `${base}&metadata=customer%3Dc40&metadata=region%3Dr0`);
    const prefix = `inst-${String(Math.floor(COUNT * 0.42))
      .padStart(7, "0")
      .slice(0, 5)}`;
    await time(`idPrefix=${prefix}`, `${base}&idPrefix=${prefix}`);
    const dayAgo = new Date(now - DAY).toISOString();
    const twoDaysAgo = new Date(now - 2 * DAY).toISOString();
    await time("createdFrom (last day)", `${base}&createdFrom=${dayAgo}`);
    await time(
      "createdFrom/createdTo (a day, 2 days ago)",
      `${base}&createdFrom=${twoDaysAgo}&createdTo=${dayAgo}`,
    );
    await time("updatedFrom (last day)", `${base}&updatedFrom=${dayAgo}`);
    await time("status=FAILED & name=workflow-3", `${base}&status=FAILED&name=workflow-3`);
    // The overview's own cost, computed afresh each time (the route reuses answers; see routes/overview.ts).
    const overviewTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await runtime.service.overview({ since: now - 3_600_000, bucketMs: 60_000, now: Date.now() });
      overviewTimes.push(performance.now() - t);
    }
    console.log(
      `| overview (store read, not reused) | - | ${percentile(overviewTimes, 0.5).toFixed(1)} | ${Math.max(...overviewTimes).toFixed(1)} (max) |`,
    );
    // What the overview costs everything else: other store calls keep being answered while it reads.
    let reading = true;
    const probes: number[] = [];
    const probe = (async () => {
      while (reading) {
        const t = performance.now();
        await runtime.service.require("inst-0000001");
        probes.push(performance.now() - t);
      }
    })();
    await runtime.service.overview({ since: now - 3_600_000, bucketMs: 60_000, now: Date.now() });
    reading = false;
    await probe;
    console.log(
      `| a store read during the overview | - | ${percentile(probes, 0.5).toFixed(1)} | ${percentile(probes, 0.95).toFixed(1)} (max ${Math.max(...probes).toFixed(1)}) |`,
    );

    await app.close();
    await runtime.stop();
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
