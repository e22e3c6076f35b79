/**
 * Real Chromium for the dashboard's end-to-end tests: Debian's `chromium` package (or WEFT_CHROMIUM) driven by
 * playwright-core. Without it the tests are skipped with a message, or fail under WEFT_REQUIRE_SERVICES=1
 * (.ci/run installs the package).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { ROOT } from "../cli/process.js";

export const CHROMIUM = process.env.WEFT_CHROMIUM || "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set WEFT_CHROMIUM)`;
  if (process.env.WEFT_REQUIRE_SERVICES === "1") throw new Error(`${message} (WEFT_REQUIRE_SERVICES=1)`);
  console.error(`skipping the dashboard's browser tests: ${message}`);
  return false;
}

/** A browser with a fresh profile directory, removed on close. */
export async function openBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "weft-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Builds the dashboard into dist/ui (which `weft run` serves) when a file under ui/ is newer than the build, so the
 * test sees the sources as they are without rebuilding on every run.
 */
export function buildUi(): void {
  const built = join(ROOT, "dist/ui/index.html");
  if (existsSync(built)) {
    const builtAt = statSync(built).mtimeMs;
    const sources = readdirSync(join(ROOT, "ui"), { recursive: true }).map((f) =>
      join(ROOT, "ui", String(f)),
    );
    if (sources.every((file) => statSync(file).mtimeMs <= builtAt)) return;
  }
  const vite = join(ROOT, "node_modules/vite/bin/vite.js");
  execFileSync(process.execPath, [vite, "build", "--config", "ui/vite.config.ts", "--logLevel", "error"], {
    cwd: ROOT,
    stdio: "inherit",
  });
}
