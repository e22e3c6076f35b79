/**
 * Purging: a finished instance and, if asked, its descendants go in one transaction that first locks their rows
 * (in id order); an active instance anywhere in that tree refuses the purge.
 */
import type pg from "pg";
import { WeftError } from "../../core/errors.js";
import { isTerminalStatus } from "../../core/history.js";
import type { InstanceState } from "../../core/instance.js";
import { storeError } from "./group-commit.js";
import * as sql from "./queries.js";

/** Deletes the tree on a connection of `pool`; a deadlock (with a concurrent purge) runs it again. */
export async function purgeInstanceTree(
  pool: pg.Pool,
  instanceId: string,
  recursive: boolean,
): Promise<number> {
  const client = await pool.connect().catch((error: unknown) => {
    throw storeError(error);
  });
  let broken: Error | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await purgeTree(client, instanceId, recursive);
      } catch (error) {
        await client.query("ROLLBACK").catch((e: Error) => {
          broken = e;
        });
        if (!broken && (error as { code?: string }).code === "40P01" && attempt < 5) continue;
        throw storeError(error);
      }
    }
  } finally {
    client.release(broken);
  }
}

/** Deletes a finished instance and, if asked, its descendants, in one transaction; returns how many. */
async function purgeTree(client: pg.PoolClient, instanceId: string, recursive: boolean): Promise<number> {
  await client.query("BEGIN");
  const tree = await client.query<{ instance_id: string; status: InstanceState["status"] }>(
    sql.lockInstanceTree(instanceId, recursive),
  );
  if (!tree.rows.some((r) => r.instance_id === instanceId)) {
    throw new WeftError("not_found", `no workflow instance with id '${instanceId}'`);
  }
  const active = tree.rows.find((r) => !isTerminalStatus(r.status));
  if (active) {
    throw new WeftError(
      "failed_precondition",
      `workflow instance '${active.instance_id}' is ${active.status}; only COMPLETED, FAILED or TERMINATED instances can be purged`,
    );
  }
  const ids = tree.rows.map((r) => r.instance_id);
  await client.query(sql.deleteInstanceData(ids, ids));
  await client.query("COMMIT");
  return ids.length;
}
