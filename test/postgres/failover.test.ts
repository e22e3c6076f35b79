/**
 * Issue 6, items 4 and 5: three `weft run` nodes share one PostgreSQL database. 1,000 workflows with activities,
 * a timer and an external event are started and raised through all nodes; one node is SIGKILLed mid-flight and
 * another is restarted. Every workflow must complete with the right output, every activity result must be in
 * its history exactly once, and any node must answer about any instance.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { launch, type ServerProcess } from "../cli/process.js";
import { freshSchema, testPostgresUrl } from "./database.js";

const WORKFLOWS = 1000;
const ACTIVITIES = 3;
const APP = resolve(import.meta.dirname, "fixtures/failover-app.mjs");
const url = await testPostgresUrl();

const expectedOutput = (i: number) => i + 3 + (i % 7);

describe.skipIf(!url)("failover across nodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-failover-"));
  const log = join(dir, "executions.log");
  const nodes: ServerProcess[] = [];
  let dropSchema: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const node of nodes) node.child.kill("SIGKILL");
    await Promise.all(nodes.map((n) => n.exited));
    await dropSchema?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const executions = (): string[] => {
    try {
      return readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };

  test("SIGKILL one node and restart another: all 1,000 workflows complete, each result recorded once", {
    timeout: 180_000,
  }, async () => {
    const { schema, drop } = await freshSchema(url!);
    dropSchema = drop;
    const storeUrl = new URL(url!);
    storeUrl.searchParams.set("schema", schema);
    storeUrl.searchParams.set("lease_ms", "2000");
    const env = { WEFT_STORE: storeUrl.toString(), WEFT_TEST_EXECUTIONS: log };
    const start = async () => {
      const node = launch(["--app", APP], env);
      nodes.push(node);
      await node.ready;
      return node;
    };
    const [killed, restarted, survivor] = await Promise.all([start(), start(), start()]);
    const live = new Set([killed!, restarted!, survivor!]);
    const pids = [killed!, restarted!, survivor!].map((n) => String(n.child.pid));

    // Requests go round-robin to the live nodes. A node that dies under a request is skipped, and so is one that
    // answers 503 because it is stopping (it took nothing from that request): the client tries another node.
    let turn = 0;
    const send = async (method: "GET" | "POST", path: string, body?: string): Promise<Response> => {
      for (let attempt = 0; ; attempt++) {
        const targets = [...live];
        const node = targets[turn++ % targets.length]!;
        try {
          const answer = await fetch(node.url(path), { method, body });
          if (answer.status !== 503 || attempt > 10) return answer;
        } catch (error) {
          if (attempt > 10) throw error;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    let nextIndex = 0;
    const lane = async () => {
      while (nextIndex < WORKFLOWS) {
        const i = nextIndex++;
        const started = await send(
          "POST",
          `/v1.0/workflows/dapr/failover/start?instanceID=wf-${i}`,
          String(i),
        );
        // A start retried after its node died under it may have been committed already.
        expect([202, 409]).toContain(started.status);
        const raised = await send("POST", `/v1.0/workflows/dapr/wf-${i}/raiseEvent/bonus`, String(i % 7));
        expect(raised.status).toBe(202);
      }
    };
    const requests = Promise.all(Array.from({ length: 20 }, lane));

    // Mid-flight: a third of the activities ran.
    while (executions().length < (WORKFLOWS * ACTIVITIES) / 3) await new Promise((r) => setTimeout(r, 20));
    killed!.child.kill("SIGKILL");
    live.delete(killed!);
    await killed!.exited;
    const ranBeforeKill = executions().length;
    // Another node restarts gracefully while starts and events still arrive.
    restarted!.child.kill("SIGTERM");
    live.delete(restarted!);
    expect(await restarted!.exited).toBe(0);
    const replacement = await start();
    live.add(replacement);
    await requests;

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const completed = async () =>
        Number(
          (
            await db.query(
              `SELECT count(*) AS n FROM ${db.escapeIdentifier(schema)}.instances WHERE status = 'COMPLETED'`,
            )
          ).rows[0].n,
        );
      const deadline = Date.now() + 120_000;
      while ((await completed()) < WORKFLOWS && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(ranBeforeKill).toBeLessThan(WORKFLOWS * ACTIVITIES);
      expect(await completed()).toBe(WORKFLOWS);

      const duplicates = await db.query(
        `SELECT instance_id, event->>'taskScheduledId' AS task, count(*) AS n
           FROM ${db.escapeIdentifier(schema)}.history WHERE event->>'type' = 'TaskCompleted'
           GROUP BY 1, 2 HAVING count(*) > 1`,
      );
      expect(duplicates.rows).toEqual([]);
      const results = await db.query(
        `SELECT count(*) AS n FROM ${db.escapeIdentifier(schema)}.history WHERE event->>'type' = 'TaskCompleted'`,
      );
      expect(Number(results.rows[0].n)).toBe(WORKFLOWS * ACTIVITIES);
    } finally {
      await db.end();
    }

    // Any node answers about any instance, with the right output.
    let checked = 0;
    const check = async () => {
      while (checked < WORKFLOWS) {
        const i = checked++;
        const answer = await send("GET", `/weft/v1/instances/wf-${i}`);
        expect(answer.status).toBe(200);
        const state = (await answer.json()) as { runtimeStatus: string; properties?: Record<string, string> };
        expect(state.runtimeStatus).toBe("COMPLETED");
        expect(state.properties?.["dapr.workflow.output"]).toBe(String(expectedOutput(i)));
      }
    };
    await Promise.all(Array.from({ length: 10 }, check));

    // Every original node ran activities; activities may run more than once, results were recorded once.
    const byPid = new Map<string, number>();
    for (const line of executions()) {
      const pid = line.split(" ")[0]!;
      byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
    }
    for (const pid of pids) expect(byPid.get(pid) ?? 0).toBeGreaterThan(0);
    const runs = executions();
    expect(runs.length).toBeGreaterThanOrEqual(WORKFLOWS * ACTIVITIES);
    const reruns = runs.length - new Set(runs.map((line) => line.split(" ").slice(1).join(" "))).size;
    console.log(
      `failover: ${runs.length} activity runs (${reruns} re-runs of an activity), per node ${JSON.stringify(Object.fromEntries(byPid))}; ${ranBeforeKill} before the kill`,
    );
  });
});
