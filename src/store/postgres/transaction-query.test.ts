import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testPostgresUrl } from "../../../test/postgres/database.js";
import { queryInTransaction } from "./transaction-query.js";

const url = await testPostgresUrl();

describe.skipIf(!url)("queryInTransaction", () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("CREATE TEMP TABLE t (id int PRIMARY KEY)");
  });
  afterAll(() => client.end());
  const insert = (id: number) => ({
    name: "tq_insert",
    text: "INSERT INTO t (id) VALUES ($1) RETURNING id",
    values: [id],
  });
  const count = async () => Number((await client.query("SELECT count(*) AS n FROM t")).rows[0].n);

  test("BEGIN before the statement leaves the transaction open; COMMIT after it ends it", async () => {
    expect(await queryInTransaction(client, insert(1), { begin: true })).toEqual([{ id: 1 }]);
    expect(await queryInTransaction(client, insert(2), { commit: true })).toEqual([{ id: 2 }]);
    await client.query("ROLLBACK"); // nothing to roll back: both rows were committed
    expect(await count()).toBe(2);
  });

  test("a statement that fails is not followed by its COMMIT: the transaction rolls back", async () => {
    await queryInTransaction(client, insert(3), { begin: true });
    await expect(queryInTransaction(client, insert(1), { commit: true })).rejects.toMatchObject({
      code: "23505",
    });
    await expect(client.query("SELECT 1")).rejects.toMatchObject({ code: "25P02" }); // still in the failed transaction
    await client.query("ROLLBACK");
    expect(await count()).toBe(2);
  });

  test("BEGIN and COMMIT around one statement, on a prepared statement already parsed", async () => {
    expect(await queryInTransaction(client, insert(4), { begin: true, commit: true })).toEqual([{ id: 4 }]);
    expect(await count()).toBe(3);
  });

  test("an unnamed statement is refused: node-postgres would send it without BEGIN or COMMIT", () => {
    expect(() => queryInTransaction(client, { text: "SELECT 1" }, { begin: true })).toThrow(TypeError);
  });
});
