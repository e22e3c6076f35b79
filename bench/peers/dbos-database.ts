import pg from "pg";

/** Server holding the bench's throw-away database; trust auth on loopback, as on the project's machines. */
const DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database for one run (DBOS's system tables or Weft's store go there), named per process so
 * concurrent runs by different engineers never share one. PostgreSQL keeps its defaults: fsync and
 * synchronous_commit on. Both systems use the same server (`BENCH_POSTGRES_URL`, default the local one).
 */
export async function createBenchDatabase(prefix = "dbos_bench"): Promise<BenchDatabase> {
  const serverUrl = process.env.BENCH_POSTGRES_URL ?? DEFAULT_SERVER_URL;
  const name = `${prefix}_${process.pid}`;
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** The durability settings in force, reported with the results so a reader can check them. */
export async function durabilitySettings(
  url: string,
): Promise<{ fsync: boolean; synchronousCommit: boolean }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const fsync = (await client.query<{ fsync: string }>("SHOW fsync")).rows[0]?.fsync;
    const sync = (await client.query<{ synchronous_commit: string }>("SHOW synchronous_commit")).rows[0]
      ?.synchronous_commit;
    return { fsync: fsync === "on", synchronousCommit: sync === "on" };
  } finally {
    await client.end();
  }
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
