import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Peers are installed on demand into bench/peers/.install/<peer>, each with its own package.json, so they never
 * become dependencies of Weft and never share a node_modules with it. The folder is git-ignored.
 */
const INSTALL_ROOT = fileURLToPath(new URL("./.install/", import.meta.url));

export interface InstalledPeer {
  dir: string;
  /** Loads a package installed for this peer (CommonJS entry: both peers ship one). */
  load<T>(specifier: string): T;
  /** The installed version of one of this peer's packages. */
  versionOf(packageName: string): string;
}

/** Installs the exact `dependencies` for `peer` unless they already are, then returns a loader for them. */
export async function ensureInstalled(
  peer: string,
  dependencies: Record<string, string>,
): Promise<InstalledPeer> {
  const dir = join(INSTALL_ROOT, peer);
  const manifest = `${JSON.stringify({ name: `weft-bench-peer-${peer}`, private: true, dependencies }, null, 2)}\n`;
  const manifestPath = join(dir, "package.json");
  const upToDate =
    existsSync(manifestPath) &&
    readFileSync(manifestPath, "utf8") === manifest &&
    Object.entries(dependencies).every(([name, version]) => installedVersion(dir, name) === version);
  if (!upToDate) {
    await mkdir(dir, { recursive: true });
    await writeFile(manifestPath, manifest);
    await npmInstall(dir);
  }
  const require = createRequire(manifestPath);
  return {
    dir,
    load: <T>(specifier: string) => require(specifier) as T,
    versionOf: (name) => installedVersion(dir, name) ?? "unknown",
  };
}

function installedVersion(dir: string, name: string): string | undefined {
  const path = join(dir, "node_modules", name, "package.json");
  if (!existsSync(path)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  return typeof parsed === "object" &&
    parsed !== null &&
    "version" in parsed &&
    typeof parsed.version === "string"
    ? parsed.version
    : undefined;
}

function npmInstall(dir: string): Promise<void> {
  console.error(`[peers] installing into ${dir}`);
  return new Promise((resolve, reject) => {
    // npm's own output goes to stderr so that stdout stays one JSON object per line.
    const child = spawn("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      stdio: ["ignore", process.stderr, process.stderr],
      env: { ...process.env, SCARF_ANALYTICS: "false" },
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`npm install in ${dir} exited with ${code}`)),
    );
  });
}
