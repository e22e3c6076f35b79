/**
 * A prepared statement sent together with the BEGIN before it or the COMMIT after it: one write, one round trip.
 * node-postgres sends a query only once the previous one has answered, so BEGIN, the statement and COMMIT would
 * otherwise be three round trips; writing the statement's literals into one simple-protocol text instead would
 * lose its prepared plan (tried: slower). The extended protocol allows several statements before one Sync, and
 * PostgreSQL skips everything after a failed one up to the Sync: a COMMIT after a failed statement is never run,
 * and the caller rolls back the failed transaction as after any failed statement.
 *
 * This relies on two internals of node-postgres 8 that pg-cursor relies on as well: a Query's `prepare` writes the
 * statement's messages, and its `_getRows` writes Execute and Sync.
 */
import pg from "pg";

interface ProtocolConnection {
  parse(message: { text: string; name?: string }): void;
  bind(message: { statement?: string; portal?: string; values?: unknown[] }): void;
  execute(message: { portal?: string; rows?: number }): void;
  sync(): void;
}

interface QueryInternals {
  prepare(connection: ProtocolConnection): void;
  _getRows(connection: ProtocolConnection, rows: number | undefined): void;
}

const base = pg.Query.prototype as unknown as QueryInternals;

/** Writes `text` as an unnamed statement and runs it: its answer is ParseComplete, BindComplete, CommandComplete. */
function run(connection: ProtocolConnection, text: string): void {
  connection.parse({ text });
  connection.bind({});
  connection.execute({});
}

class TransactionQuery extends pg.Query {
  readonly #begin: boolean;
  readonly #commit: boolean;

  constructor(
    query: pg.QueryConfig<unknown[]>,
    edges: { begin: boolean; commit: boolean },
    callback: (error: Error | null, results: pg.QueryResult | pg.QueryResult[]) => void,
  ) {
    super(query, undefined, callback as never);
    this.#begin = edges.begin;
    this.#commit = edges.commit;
  }

  prepare(connection: ProtocolConnection): void {
    if (this.#begin) run(connection, "BEGIN");
    base.prepare.call(this, connection);
  }

  _getRows(connection: ProtocolConnection, rows: number | undefined): void {
    if (!this.#commit || rows !== undefined) {
      base._getRows.call(this, connection, rows);
      return;
    }
    connection.execute({ portal: "", rows: undefined });
    run(connection, "COMMIT");
    connection.sync();
  }
}

/**
 * Runs a prepared statement (it must have a `name` and be a single statement) after a BEGIN and/or before a COMMIT,
 * in one round trip; resolves with the statement's rows.
 */
export function queryInTransaction<R extends object>(
  client: pg.ClientBase,
  query: pg.QueryConfig<unknown[]>,
  edges: { begin?: boolean; commit?: boolean },
): Promise<R[]> {
  // Without a name (and parameters), node-postgres would send the text as a simple query, without BEGIN or COMMIT.
  if (!query.name) throw new TypeError("queryInTransaction needs a named (prepared) statement");
  const begin = edges.begin ?? false;
  const commit = edges.commit ?? false;
  return new Promise((resolve, reject) => {
    const submittable = new TransactionQuery(query, { begin, commit }, (error, results) => {
      if (error) {
        reject(error);
        return;
      }
      // One result per statement run, in order: [BEGIN], the statement, [COMMIT].
      const all = Array.isArray(results) ? results : [results];
      resolve((all[begin ? 1 : 0]?.rows ?? []) as R[]);
    });
    client.query(submittable);
  });
}
