/**
 * How the dashboard's files are served: at /ui without the API token (they hold no data; every API route still
 * needs it), with a content security policy that allows nothing from elsewhere, only files of the build (no path
 * reaches the file system), and not at all with `weft run --no-ui`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { launch } from "../cli/process.js";
import { harness } from "../http/harness.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A stand-in build: an index page and one hashed asset. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-ui-build-"));
  dirs.push(dir);
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Weft dashboard</title>");
  writeFileSync(join(dir, "assets/index-abc123.js"), "console.log('hi')");
  writeFileSync(join(dir, "notes.unknown"), "not a served type");
  writeFileSync(join(dir, "..", `${dir.split("/").pop()}-secret.txt`), "outside");
  return dir;
}

describe("dashboard files at /ui", () => {
  test("served without the token while every API route needs it; strict security headers", async () => {
    const h = await harness({ apiToken: "s3cret", uiDir: fakeBuild() });
    try {
      for (const path of ["/ui", "/ui/"]) {
        const page = await h.call("GET", path);
        expect(page.status, path).toBe(200);
        expect(page.text).toContain("Weft dashboard");
        expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
        expect(page.headers["cache-control"]).toBe("no-cache");
        expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
        expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
        expect(page.headers["x-content-type-options"]).toBe("nosniff");
      }
      const asset = await h.call("GET", "/ui/assets/index-abc123.js");
      expect(asset.status).toBe(200);
      expect(asset.headers["content-type"]).toBe("text/javascript; charset=utf-8");
      expect(asset.headers["cache-control"]).toContain("immutable");
      // The API behind it still asks for the token.
      expect((await h.call("GET", "/weft/v1/instances")).status).toBe(401);
      expect((await h.call("GET", "/weft/v1/overview")).status).toBe(401);
      expect(
        (await h.call("GET", "/weft/v1/overview", undefined, { "dapr-api-token": "s3cret" })).status,
      ).toBe(200);
      // Only GET is open: nothing else under /ui gets past the token check.
      expect((await h.call("POST", "/ui/")).status).toBe(401);
    } finally {
      await h.close();
    }
  });

  test("only the build's own files: unknown names, other types and paths out of the folder are 404", async () => {
    const dir = fakeBuild();
    const h = await harness({ uiDir: dir });
    try {
      const secret = `${dir.split("/").pop()}-secret.txt`;
      for (const path of [
        "/ui/assets/missing.js",
        "/ui/notes.unknown",
        `/ui/../${secret}`,
        `/ui/%2e%2e/${secret}`,
        `/ui/..%2f${secret}`,
        "/ui/assets/../../package.json",
      ]) {
        const answer = await h.call("GET", path);
        expect(answer.status, path).toBe(404);
        expect(answer.text).not.toContain("outside");
      }
    } finally {
      await h.close();
    }
  });

  test("a folder with no build answers 404 saying to run npm run build", async () => {
    const h = await harness({ uiDir: join(tmpdir(), "weft-no-such-build") });
    try {
      const answer = await h.call("GET", "/ui/");
      expect(answer.status).toBe(404);
      expect(answer.json.message).toContain("npm run build");
    } finally {
      await h.close();
    }
  });

  test("without uiDir (weft run --no-ui) there is no /ui route at all", async () => {
    const h = await harness();
    try {
      expect((await h.call("GET", "/ui/")).json.errorCode).toBe("ERR_ROUTE_NOT_FOUND");
    } finally {
      await h.close();
    }
  });
});

describe("weft run", () => {
  test("serves /ui by default, names it in the ready line, and not with --no-ui", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "weft-ui-run-"));
    dirs.push(dataDir);
    const withUi = launch(["--data-dir", join(dataDir, "a")]);
    const withoutUi = launch(["--data-dir", join(dataDir, "b"), "--no-ui"]);
    try {
      const [ready, readyNoUi] = await Promise.all([withUi.ready, withoutUi.ready]);
      expect((ready as unknown as { ui: string }).ui).toBe(`http://127.0.0.1:${ready.httpPort}/ui`);
      expect((readyNoUi as unknown as { ui?: string }).ui).toBeUndefined();
      const on = await fetch(withUi.url("/ui/"));
      // 200 with a build in dist/ui, 404 naming `npm run build` without one: either way the route is there.
      expect([200, 404]).toContain(on.status);
      if (on.status === 404) expect(await on.text()).toContain("npm run build");
      const off = await fetch(withoutUi.url("/ui/"));
      expect(off.status).toBe(404);
      expect(((await off.json()) as { errorCode: string }).errorCode).toBe("ERR_ROUTE_NOT_FOUND");
    } finally {
      withUi.child.kill("SIGTERM");
      withoutUi.child.kill("SIGTERM");
      await Promise.all([withUi.exited, withoutUi.exited]);
    }
  });
});
