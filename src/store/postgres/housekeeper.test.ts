import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { eventually } from "../../../test/eventually.js";
import { freshSchema, testPostgresUrl } from "../../../test/postgres/database.js";
import { silentLogger } from "../../core/logger.js";
import { Housekeeper } from "./housekeeper.js";
import { PostgresStore } from "./postgres-store.js";

const url = await testPostgresUrl();

describe.skipIf(!url)("Housekeeper", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A migrated schema, and a pool whose sessions use it. */
  async function tables(): Promise<{ pool: pg.Pool; schema: string }> {
    const { schema, drop } = await freshSchema(url!);
    cleanup.push(drop);
    await (await PostgresStore.open({ url: url!, schema })).close();
    const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 2 });
    cleanup.push(() => pool.end());
    return { pool, schema };
  }

  /** Leaves `dead` dead rows in inbox and `added` new rows in dedup_keys, counted once the session ends. */
  async function churn(schema: string, dead: number, added: number): Promise<void> {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    await client.query(
      `INSERT INTO inbox (instance_id, visible_at, event) SELECT 'i' || g, 0, '{}' FROM generate_series(1, $1) g`,
      [dead],
    );
    await client.query("DELETE FROM inbox");
    await client.query(
      "INSERT INTO dedup_keys (key, created_at) SELECT 'k' || g, 0 FROM generate_series(1, $1) g",
      [added],
    );
    await client.end(); // a session's statistics reach the server at the latest when it ends
  }

  const counts = async (pool: pg.Pool, schema: string) => {
    const { rows } = await pool.query<{ relname: string; vacuum_count: string; analyze_count: string }>(
      "SELECT relname, vacuum_count, analyze_count FROM pg_stat_user_tables WHERE schemaname = $1",
      [schema],
    );
    return Object.fromEntries(
      rows.map((r) => [r.relname, [Number(r.vacuum_count), Number(r.analyze_count)]]),
    );
  };

  test("vacuums the tables with many dead rows, analyzes those with many new ones, leaves the rest", async () => {
    const { pool, schema } = await tables();
    await churn(schema, 300, 300);
    const keeper = new Housekeeper({ pool, schema, log: silentLogger, threshold: 100, scaleFactor: 0 });
    const report = await eventually(async () => {
      const r = await keeper.tidy();
      return r.vacuumed.length > 0 && r;
    });
    expect(report).toEqual({ vacuumed: ["inbox"], analyzed: ["dedup_keys"], skipped: false });
    const after = await eventually(async () => {
      const c = await counts(pool, schema);
      return c.inbox?.[0] === 1 && c;
    });
    expect(after).toMatchObject({ inbox: [1, 1], dedup_keys: [0, 1], activities: [0, 0], instances: [0, 0] });
    expect(await keeper.tidy()).toEqual({ vacuumed: [], analyzed: [], skipped: false });
  });

  test("leaves the work to another node that holds the housekeeping lock", async () => {
    const { pool, schema } = await tables();
    await churn(schema, 300, 0);
    const other = await pool.connect();
    cleanup.push(async () => other.release());
    await other.query("SELECT pg_advisory_lock(hashtext('weft.housekeeping'), hashtext($1))", [schema]);
    const keeper = new Housekeeper({ pool, schema, log: silentLogger, threshold: 100, scaleFactor: 0 });
    expect(await eventually(async () => (await keeper.tidy()).skipped)).toBe(true);
    expect((await counts(pool, schema)).inbox).toEqual([0, 0]);
  });
});
