/**
 * The dashboard end to end: a real `weft run` process with an API token, real Chromium, workflows started over the
 * HTTP API, and every page and action driven through the browser. Each page is screenshotted; with
 * WEFT_UPDATE_SCREENSHOTS=1 the pictures replace docs/img/ (linked from docs/dashboard.md), otherwise they go to a
 * temporary folder, so a test run leaves the checkout as it was.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launch, ROOT, type ServerProcess } from "../cli/process.js";
import { eventually } from "../eventually.js";
import { buildUi, chromiumAvailable, openBrowser } from "./browser.js";

const TOKEN = "e2e-secret-token";
const APP = join(ROOT, "test/ui/fixtures/dashboard-app.mjs");
/** Parallel activities of the long-history instance: each adds a TaskScheduled and a TaskCompleted. */
const FAN_OUT = 5000;

const available = chromiumAvailable();

describe.skipIf(!available)("dashboard in Chromium", { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let dataDir: string;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  let images: string;

  const api = async (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
    // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  ): Promise<any> => {
    const response = await fetch(server.url(path), {
      method,
      body,
      headers: { "dapr-api-token": TOKEN, ...headers },
    });
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  };
  const start = (name: string, id: string, input?: unknown, metadata?: string) =>
    api(
      "POST",
      `/v1.0/workflows/dapr/${name}/start?instanceID=${id}`,
      input === undefined ? undefined : JSON.stringify(input),
      metadata ? { "dapr-workflow-metadata": metadata } : {},
    );
  const status = async (id: string): Promise<string> =>
    (await api("GET", `/v1.0/workflows/dapr/${id}`)).runtimeStatus;
  const reach = (id: string, wanted: string) =>
    eventually(async () => (await status(id)) === wanted || undefined, 60_000, `${id} ${wanted}`);
  const shot = (name: string) => page.screenshot({ path: join(images, `${name}.png`), fullPage: false });
  const rows = () => page.locator("table.instances tbody tr");
  const rowIds = () => page.locator("table.instances tbody tr td:first-child a").allTextContents();
  const waitRows = (predicate: (ids: string[]) => boolean, what: string) =>
    eventually(async () => predicate(await rowIds()) || undefined, 15_000, what);
  const openInstances = async (hash = "") => {
    await page.goto(server.url(`/ui/#/instances${hash}`));
    await page.locator("table.instances").waitFor();
  };

  beforeAll(async () => {
    buildUi();
    dataDir = mkdtempSync(join(tmpdir(), "weft-ui-e2e-"));
    images = process.env.WEFT_UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs/img") : join(dataDir, "img");
    server = launch(["--app", APP, "--data-dir", dataDir], { DAPR_API_TOKEN: TOKEN });
    await server.ready;
    await start("order", "order-1", { id: "order-1", total: 42 }, "customer=ACME; region=eu");
    await start("failing", "failing-1", "card expired");
    for (const id of ["waiter-1", "waiter-2", "waiter-3"]) await start("waiter", id);
    // 55 finished instances, so that the 50-row list has a second page.
    for (let i = 0; i < 55; i++)
      await start("invoice", `bulk-${String(i).padStart(2, "0")}`, { id: `b${i}` });
    await start("fanOut", "long-history", FAN_OUT);
    await reach("order-1", "RUNNING");
    await reach("failing-1", "FAILED");
    await reach("long-history", "COMPLETED");
    await eventually(
      async () =>
        (await api("GET", "/v1.0/workflows/dapr/order-1")).properties[
          "dapr.workflow.custom_status"
        ]?.includes("approval") || undefined,
      30_000,
      "order-1 waiting for approval",
    );
    browser = await openBrowser();
    page = await browser.context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.child.kill("SIGTERM");
    await server?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("asks for the API token, keeps it in session storage and never in the URL", async () => {
    await page.goto(server.url("/ui/"));
    const token = page.getByLabel("API token");
    await token.fill("wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "refused" }).waitFor();
    await token.fill(TOKEN);
    await shot("login");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Instances" }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('weft.apiToken')")).toBe(TOKEN);
    expect(page.url()).not.toContain(TOKEN);
  });

  test("instances: the table shows id, name, status, custom status, times, duration and metadata", async () => {
    await openInstances();
    // Newest first, 50 to a page.
    await waitRows((ids) => ids.length === 50, "a full first page");
    expect((await rowIds())[0]).toBe("long-history");
    await shot("instances");
    await openInstances("?idPrefix=order-1");
    await waitRows((ids) => ids.includes("order-1"), "order-1 listed");
    const cells = await rows().filter({ hasText: "customer=ACME" }).locator("td").allTextContents();
    expect(cells[0]).toBe("order-1");
    expect(cells[1]).toBe("order");
    expect(cells[2]).toBe("RUNNING");
    expect(cells[3]).toContain("waiting for approval");
    expect(Date.parse(cells[4]!.replace(",", ""))).not.toBeNaN();
    expect(Date.parse(cells[5]!.replace(",", ""))).not.toBeNaN();
    expect(cells[6]).toMatch(/^\d+(\.\d+)? (ms|s|min)/);
    expect(cells[7]).toContain("customer=ACME");
    expect(cells[7]).toContain("region=eu");
  });

  test("instances: filters by status, name, metadata, id prefix and time ranges", async () => {
    await openInstances();
    const apply = () => page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByRole("checkbox", { name: "failed" }).check();
    await apply();
    await waitRows((ids) => ids.join() === "failing-1", "only failing-1");
    expect(page.url()).toContain("status=FAILED");

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Workflow name").fill("waiter");
    await apply();
    await waitRows((ids) => ids.join() === "waiter-3,waiter-2,waiter-1", "the waiters");

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Metadata (key=value; …)").fill("customer=ACME");
    await apply();
    await waitRows((ids) => ids.join() === "order-1", "order-1 by metadata");

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Instance id starts with").fill("waiter-");
    await page.getByLabel("Instance id starts with").press("Enter");
    await waitRows((ids) => ids.join() === "waiter-3,waiter-2,waiter-1", "the waiters by id prefix");

    // Time ranges: everything here was created before now, and nothing after.
    await page.getByRole("button", { name: "Clear" }).click();
    const later = new Date(Date.now() + 3_600_000);
    const local = (d: Date) =>
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}T${String(
        d.getHours(),
      ).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
    await page.getByLabel("Created from").fill(local(later));
    await apply();
    await page.getByText("No instances match.").waitFor();
    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Updated before").fill(local(later));
    await page.getByLabel("Workflow name").fill("failing");
    await apply();
    await waitRows((ids) => ids.join() === "failing-1", "failing-1 updated before later");
    await shot("instances-filtered");
  });

  test("instances: pages forward and back with the continuation token", async () => {
    await openInstances();
    await waitRows((ids) => ids.length === 50, "first page");
    const first = await rowIds();
    await page.getByRole("button", { name: "Older →" }).click();
    await waitRows((ids) => ids.length > 0 && ids[0] !== first[0], "second page");
    const second = await rowIds();
    expect(second.length).toBe(61 + 1 - 50); // 55 bulk + 1 child + order, failing, 3 waiters, long-history = 62
    expect(second.some((id) => first.includes(id))).toBe(false);
    expect(await page.getByRole("button", { name: "Older →" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "← Newer" }).click();
    await waitRows((ids) => ids[0] === first[0], "first page again");
  });

  test("instances: new instances appear without a reload", async () => {
    await openInstances("?name=waiter");
    await waitRows((ids) => ids.length === 3, "three waiters");
    await page.evaluate("window.notReloaded = true");
    await start("waiter", "waiter-live");
    await waitRows((ids) => ids[0] === "waiter-live", "the new waiter, live");
    expect(await page.evaluate("window.notReloaded")).toBe(true);
  });

  test("instance: input, custom status, metadata, children, timeline with retries; raise event with JSON", async () => {
    await page.goto(server.url("/ui/#/instances/order-1"));
    await page.getByRole("heading", { name: "order-1" }).waitFor();
    const details = page.locator(".details");
    await details.getByText('"total": 42').waitFor();
    await details.getByText("customer=ACME").waitFor();
    await details.getByText("waiting for approval").waitFor();
    await details.getByRole("link", { name: "order-1-invoice" }).waitFor();
    const timeline = page.getByRole("listbox", { name: /Timeline/ });
    await timeline.getByText("flakyShip · attempt 3").waitFor();
    await timeline.getByText("child invoice").waitFor();
    // The workflow's own timer, and one before each retry.
    expect(await timeline.getByText("timer", { exact: true }).count()).toBe(3);
    // Selecting a step shows its payloads.
    await timeline.getByText("flakyShip · attempt 2").click();
    await page.locator(".inspector").getByText("carrier busy (attempt 2)").first().waitFor();
    await shot("instance");

    await page.getByRole("button", { name: "Raise event" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Event name").fill("approval");
    await dialog.getByLabel("Event data").fill("{not json");
    await dialog.getByText(/Not valid JSON/).waitFor();
    expect(await dialog.getByRole("button", { name: "Raise event" }).isDisabled()).toBe(true);
    await dialog.getByLabel("Event data").fill('{"by": "ops"}');
    await shot("raise-event");
    await dialog.getByRole("button", { name: "Raise event" }).click();
    await page.locator(".title-row .badge", { hasText: "COMPLETED" }).waitFor({ timeout: 15_000 });
    await details.getByText('"by": "ops"').first().waitFor();
    await timeline.getByText("event approval").waitFor();
    expect((await api("GET", "/v1.0/workflows/dapr/order-1")).properties["dapr.workflow.output"]).toContain(
      "ops",
    );

    // The child's own page links back to its parent.
    await details.getByRole("link", { name: "order-1-invoice" }).click();
    await page.getByRole("heading", { name: "order-1-invoice" }).waitFor();
    await page.locator(".details").getByRole("link", { name: "order-1" }).waitFor();
  });

  test("instance: rerun from a chosen step, with a new id and a new input for the step", async () => {
    await page.goto(server.url("/ui/#/instances/order-1"));
    await page.locator(".title-row .badge", { hasText: "COMPLETED" }).waitFor();
    const timeline = page.getByRole("listbox", { name: /Timeline/ });
    await timeline.getByText("flakyShip · attempt 3").click();
    await page.getByRole("button", { name: "Rerun from this step…" }).click();
    const dialog = page.getByRole("dialog");
    const step = dialog.getByLabel("From step");
    expect(await step.locator("option:checked").textContent()).toMatch(/activity flakyShip/);
    await dialog.getByLabel("New instance id (empty: a random one)").fill("order-1-rerun");
    await dialog.getByLabel("Replace the step's input").check();
    await dialog.getByLabel("New input for the step").fill('{"id": "order-1", "total": 99}');
    await shot("rerun");
    await dialog.getByRole("button", { name: "Rerun" }).click();
    // The dashboard opens the new instance.
    await page.getByRole("heading", { name: "order-1-rerun" }).waitFor();
    expect(page.url()).toContain("#/instances/order-1-rerun");
    const history = await api("GET", "/weft/v1/instances/order-1-rerun/history");
    const types = history.events.map((e: { type: string }) => e.type);
    // The kept history (charge and its result) and the rerun step with its new input.
    expect(types).toContain("TaskCompleted");
    const rerunStep = history.events.filter((e: { type: string; name?: string }) => e.name === "flakyShip");
    expect(rerunStep.at(-1).input).toBe('{"id":"order-1","total":99}');
    // A child workflow cannot be rerun on its own: the button is off on its page.
    await page.goto(server.url("/ui/#/instances/order-1-invoice"));
    await page.locator(".title-row .badge", { hasText: "COMPLETED" }).waitFor();
    expect(await page.getByRole("button", { name: "Rerun…" }).isDisabled()).toBe(true);
  });

  test("instance: a failure shows its type, message and stack", async () => {
    await page.goto(server.url("/ui/#/instances/failing-1"));
    const failure = page.getByRole("region", { name: "Failure" });
    await failure.waitFor();
    expect(await failure.textContent()).toContain("payment declined: card expired");
    expect(await failure.locator("pre.stack").textContent()).toMatch(/at /);
    await shot("instance-failed");
  });

  test("instance: suspend, resume, terminate with output and purge, each confirmed", async () => {
    await page.goto(server.url("/ui/#/instances/waiter-1"));
    const badge = (text: string) =>
      page.locator(".title-row .badge", { hasText: text }).waitFor({ timeout: 15_000 });
    await badge("RUNNING");
    const confirm = async (button: string) => {
      await page.getByRole("toolbar").getByRole("button", { name: button }).click();
      await page.getByRole("dialog").getByRole("button", { name: button }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
    };
    // Cancelling does nothing.
    await page.getByRole("toolbar").getByRole("button", { name: "Suspend" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    expect(await status("waiter-1")).toBe("RUNNING");

    await confirm("Suspend");
    await badge("SUSPENDED");
    expect(await status("waiter-1")).toBe("SUSPENDED");
    await confirm("Resume");
    await badge("RUNNING");
    await page.getByRole("toolbar").getByRole("button", { name: "Terminate" }).click();
    await page
      .getByRole("dialog")
      .getByLabel(/Output/)
      .fill('{"reason": "ops said so"}');
    await page.getByRole("dialog").getByRole("button", { name: "Terminate" }).click();
    await badge("TERMINATED");
    const terminated = await api("GET", "/v1.0/workflows/dapr/waiter-1");
    expect(JSON.parse(terminated.properties["dapr.workflow.output"])).toEqual({ reason: "ops said so" });
    await confirm("Purge");
    await page.getByText("Purged.").waitFor();
    expect((await api("GET", "/v1.0/workflows/dapr/waiter-1")).errorCode).toBe("ERR_INSTANCE_ID_NOT_FOUND");
  });

  test("instance: a history of more than 10,000 events is virtualised and keyboard-navigable", async () => {
    await page.goto(server.url("/ui/#/instances/long-history"));
    await page.getByRole("heading", { name: "long-history" }).waitFor();
    const counts = page.locator(".history .title-row .muted");
    await eventually(
      async () => /\d{5} events/.test((await counts.textContent()) ?? "") || undefined,
      20_000,
      "history loaded",
    );
    const events = Number(/(\d+) events/.exec((await counts.textContent()) ?? "")![1]);
    expect(events).toBeGreaterThanOrEqual(2 * FAN_OUT);
    const timeline = page.getByRole("listbox", { name: /Timeline/ });
    // Only the rows in view are in the page.
    expect(await timeline.getByRole("option").count()).toBeLessThan(60);
    await timeline.focus();
    await page.keyboard.press("End");
    const last = timeline.locator('[aria-selected="true"]');
    await last.waitFor();
    expect(Number(await last.getAttribute("aria-posinset"))).toBe(FAN_OUT + 1);
    await shot("timeline-long");

    await page.getByRole("tab", { name: "Events" }).click();
    const list = page.getByRole("listbox", { name: "History events" });
    expect(await list.getByRole("option").count()).toBeLessThan(60);
    await list.focus();
    await page.keyboard.press("End");
    await list.locator('[aria-selected="true"]').getByText("ExecutionCompleted").waitFor();
    await page.keyboard.press("ArrowUp");
    expect(Number(await list.locator('[aria-selected="true"]').getAttribute("aria-posinset"))).toBe(
      events - 1,
    );
  });

  test("overview: counts by status and workflow, the last hour, the backlog", async () => {
    await page.goto(server.url("/ui/#/overview"));
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    const overview = await api("GET", "/weft/v1/overview");
    await eventually(
      async () => (await page.getByTestId("total").textContent()) === String(overview.total) || undefined,
      15_000,
      "total",
    );
    expect(await page.locator('[data-status="FAILED"]').textContent()).toBe(String(overview.statuses.FAILED));
    const byName = page.getByRole("table").filter({ hasText: "fanOut" });
    expect(
      await byName
        .getByRole("row", { name: /^invoice/ })
        .locator("td")
        .first()
        .textContent(),
    ).toBe("57"); // 55 bulk, order-1's child and the rerun's child
    // Everything here started within the hour (the purged waiter-1 is no longer counted anywhere).
    expect(await page.getByTestId("started").textContent()).toBe(String(overview.total));
    expect(Number.parseFloat((await page.getByTestId("failure-rate").textContent()) ?? "")).toBeGreaterThan(
      0,
    );
    await page.getByRole("img", { name: /ended per minute/ }).waitFor();
    // The chart's numbers as a table, for screen readers and exact values.
    await page.getByText("As a table").click();
    const minutes = page.locator("table.series tbody tr");
    const started = (await minutes.locator("td:nth-child(2)").allTextContents()).map(Number);
    expect(started.reduce((a, b) => a + b, 0)).toBe(overview.total);
    expect((await minutes.locator("td:nth-child(6)").allTextContents()).some((r) => r !== "0.0%")).toBe(true);
    await shot("overview");
  });

  test("works at phone width: no sideways scrolling, tables become cards", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const hash of ["#/instances", "#/instances/order-1", "#/overview"]) {
        await page.goto(server.url(`/ui/${hash}`));
        await page.locator("main h1").waitFor();
        await page.waitForTimeout(300);
        const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
        expect(overflow, hash).toBeLessThanOrEqual(0);
      }
      await page.goto(server.url("/ui/#/instances"));
      await page.locator("table.instances tbody tr").first().waitFor();
      await shot("instances-phone");
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test("keyboard only: tab to a filter, type, submit, tab to an instance and open it", async () => {
    await openInstances();
    await page.getByLabel("Instance id starts with").focus();
    await page.keyboard.type("failing");
    await page.keyboard.press("Enter");
    await waitRows((ids) => ids.join() === "failing-1", "failing-1 by keyboard");
    const link = page.getByRole("link", { name: "failing-1" });
    await link.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "failing-1" }).waitFor();
  });
});
