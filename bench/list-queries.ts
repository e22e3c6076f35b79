/**
 * Listing queries over a large store (issue 20): seeds N instances (default 1,000,000) straight into SQLite and
 * PostgreSQL with SQL, then times filtered listings through each store's own `listInstances`, which is what
 * `GET /weft/v1/instances` calls. The target is under 100 ms per page. Run:
 *   node --import tsx bench/list-queries.ts [N] [postgres-url]
 * WEFT_BENCH_STORES=sqlite or =postgres measures one store; WEFT_BENCH_OUT names the result file.
 * Results go to stdout and bench/results/list-queries.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { migrate } from "../src/store/sqlite/schema.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { InstanceFilter, Store } from "../src/store/store.js";

const N = Number(process.argv[2] ?? 1_000_000);
const PG_URL =
  process.argv[3] ?? process.env.WEFT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const SPAN = 30 * DAY;

/** Row n: created evenly over 30 days (n = N-1 newest), 20 workflow names, Dapr-like status mix, 2 metadata keys. */
const shape = {
  id: (n: number) => `order-${String(n).padStart(7, "0")}`,
  name: (n: number) => `wf-${n % 20}`,
  created: (n: number) => NOW - SPAN + Math.floor((n * SPAN) / N),
  status: (n: number) =>
    n % 100 < 90
      ? "COMPLETED"
      : n % 100 < 95
        ? "FAILED"
        : n % 100 < 98
          ? "RUNNING"
          : n % 100 < 99
            ? "TERMINATED"
            : "SUSPENDED",
  metadata: (n: number) =>
    JSON.stringify({ customer: `c${n % 1000}`, region: ["eu", "us", "ap", "sa"][n % 4] }),
};

const after = (n: number) => ({ createdAt: shape.created(n), instanceId: shape.id(n) });
const QUERIES: [string, InstanceFilter][] = [
  ["newest page, no filter", {}],
  ["status=RUNNING", { statuses: ["RUNNING"] }],
  ["status=COMPLETED,FAILED", { statuses: ["COMPLETED", "FAILED"] }],
  ["name=wf-7", { name: "wf-7" }],
  ["name=wf-11 & status=FAILED", { name: "wf-11", statuses: ["FAILED"] }],
  ["created in one day (10 days ago)", { createdFrom: NOW - 11 * DAY, createdTo: NOW - 10 * DAY }],
  ["metadata customer=c42", { metadata: { customer: "c42" } }],
  ["metadata region=eu & status=RUNNING", { metadata: { region: "eu" }, statuses: ["RUNNING"] }],
  ["metadata customer=c42 & region=ap", { metadata: { customer: "c42", region: "ap" } }],
  ["idPrefix order-00042", { idPrefix: "order-00042" }],
  ["idPrefix order-0 (matches all)", { idPrefix: "order-0" }],
  ["deep page (after the middle row)", { after: after(Math.floor(N / 2)) }],
  ["name=wf-3, deep page", { name: "wf-3", after: after(Math.floor(N / 2)) }],
  ["updated in the last day (not indexed)", { updatedFrom: NOW - DAY }],
];

async function seedSqlite(path: string): Promise<void> {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  migrate(db);
  const insert = db.prepare(
    `INSERT INTO instances (instance_no, instance_id, name, execution_id, status, created_at, updated_at, completed_at,
       input, metadata, history_length) VALUES (?, ?, ?, 'x', ?, ?, ?, ?, '{}', ?, 10)`,
  );
  const batch = db.transaction((from: number, to: number) => {
    for (let n = from; n < to; n++) {
      const created = shape.created(n);
      const status = shape.status(n);
      const done = status === "COMPLETED" || status === "FAILED" || status === "TERMINATED";
      insert.run(
        n + 1,
        shape.id(n),
        shape.name(n),
        status,
        created,
        created + 5000,
        done ? created + 5000 : null,
        shape.metadata(n),
      );
    }
  });
  for (let n = 0; n < N; n += 50_000) batch(n, Math.min(N, n + 50_000));
  db.exec("ANALYZE");
  db.close();
}

async function seedPostgres(schema: string): Promise<void> {
  await (await PostgresStore.open({ url: PG_URL, schema, poolSize: 1 })).close();
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO instances (instance_id, name, execution_id, status, created_at, updated_at, completed_at, input,
         metadata, history_length)
       SELECT 'order-' || lpad(n::text, 7, '0'), 'wf-' || (n % 20), 'x',
         CASE WHEN n % 100 < 90 THEN 'COMPLETED' WHEN n % 100 < 95 THEN 'FAILED' WHEN n % 100 < 98 THEN 'RUNNING'
              WHEN n % 100 < 99 THEN 'TERMINATED' ELSE 'SUSPENDED' END,
         $2::bigint - $3::bigint + (n::bigint * $3::bigint) / $1::bigint,
         $2::bigint - $3::bigint + (n::bigint * $3::bigint) / $1::bigint + 5000,
         CASE WHEN n % 100 < 95 OR n % 100 = 98
              THEN $2::bigint - $3::bigint + (n::bigint * $3::bigint) / $1::bigint + 5000 END,
         '{}', json_build_object('customer', 'c' || (n % 1000), 'region', (ARRAY['eu','us','ap','sa'])[n % 4 + 1]), 10
       FROM generate_series(0, $1::int - 1) AS n`,
      [N, NOW, SPAN],
    );
    await client.query("VACUUM ANALYZE instances");
    await client.query("VACUUM ANALYZE instance_metadata");
  } finally {
    await client.end();
  }
}

async function time(store: Store): Promise<{ query: string; ms: number; rows: number }[]> {
  const results = [];
  for (const [query, filter] of QUERIES) {
    const runs: number[] = [];
    let rows = 0;
    for (let i = 0; i < 6; i++) {
      const start = performance.now();
      rows = (await store.listInstances({ ...filter, limit: 100 })).length;
      if (i > 0) runs.push(performance.now() - start);
    }
    runs.sort((a, b) => a - b);
    results.push({ query, ms: runs[Math.floor(runs.length / 2)]!, rows });
  }
  return results;
}

async function main(): Promise<void> {
  const report: string[] = [
    `# Listing queries over ${N.toLocaleString("en")} instances`,
    "",
    `Run ${new Date().toISOString()} by bench/list-queries.ts: median of 5 warm runs of one page (limit 100) through`,
    "each store's `listInstances`. Target: under 100 ms.",
    "",
  ];
  const columns: Record<string, { ms: number; rows: number }[]> = {};

  const stores = (process.env.WEFT_BENCH_STORES ?? "sqlite,postgres").split(",");
  const dir = mkdtempSync(join(tmpdir(), "weft-list-bench-"));
  try {
    let t = performance.now();
    if (stores.includes("sqlite")) {
      await seedSqlite(join(dir, "weft.db"));
      console.log(`sqlite: seeded ${N} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const sqlite = new SqliteStore({ path: join(dir, "weft.db") });
      columns.SQLite = await time(sqlite);
      await sqlite.close();
    }

    const schema = `bench_list_${process.pid}`;
    t = performance.now();
    if (stores.includes("postgres"))
      try {
        await seedPostgres(schema);
        console.log(`postgres: seeded ${N} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
        const postgres = await PostgresStore.open({ url: PG_URL, schema, poolSize: 2 });
        columns.PostgreSQL = await time(postgres);
        await postgres.close();
      } finally {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const measured = Object.keys(columns);
  report.push(`| query | ${measured.map((s) => `${s} ms (rows)`).join(" | ")} |`);
  report.push(`|---|${measured.map(() => "---:").join("|")}|`);
  QUERIES.forEach(([query], i) => {
    report.push(
      `| ${query} | ${measured.map((s) => `${columns[s]![i]!.ms.toFixed(1)} (${columns[s]![i]!.rows})`).join(" | ")} |`,
    );
  });
  const text = report.join("\n");
  console.log(text);
  mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
  const out = process.env.WEFT_BENCH_OUT ?? join(import.meta.dirname, "results", "list-queries.md");
  writeFileSync(out, `${text}\n`);
}

await main();
