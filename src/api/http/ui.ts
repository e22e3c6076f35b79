/**
 * The dashboard (`ui/`, built by `npm run build` into `dist/ui`) served as static files at `/ui`. The files are
 * read once at startup into memory and looked up by exact path, so no request path ever reaches the file system.
 * The dashboard itself only calls the public HTTP API, with the token the user types in.
 */
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, resolve, sep } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";

export const UI_PREFIX = "/ui";

/** `dist/ui` of this package, from the sources (src/api/http) and from the build (dist/api/http) alike. */
export const DEFAULT_UI_DIR = resolve(import.meta.dirname, "../../..", "dist/ui");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

// Everything the page needs comes from this server: no inline script, no CDN, no framing.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

interface StaticFile {
  body: Buffer;
  type: string;
  immutable: boolean;
}

export function isUiPath(path: string): boolean {
  return path === UI_PREFIX || path.startsWith(`${UI_PREFIX}/`);
}

export async function uiRoutes(app: FastifyInstance, dir: string): Promise<void> {
  const files = await loadFiles(dir);
  const index = files.get("index.html");
  const send = (reply: FastifyReply, file: StaticFile | undefined) => {
    if (!file) {
      return reply.code(404).send({
        errorCode: "ERR_ROUTE_NOT_FOUND",
        message: index
          ? "no such file in the dashboard"
          : `the dashboard is not built (no ${join(dir, "index.html")}): run 'npm run build'`,
      });
    }
    return reply
      .headers(SECURITY_HEADERS)
      .header("content-type", file.type)
      .header("cache-control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .send(file.body);
  };
  // The router ignores trailing slashes, so this serves both /ui and /ui/.
  app.get(UI_PREFIX, async (_request, reply) => send(reply, index));
  app.get<{ Params: { "*": string } }>(`${UI_PREFIX}/*`, async (request, reply) => {
    const path = request.params["*"];
    return send(reply, path === "" ? index : files.get(path));
  });
}

async function loadFiles(dir: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    const type = TYPES[extname(entry)];
    if (!type) continue;
    const path = join(dir, entry);
    const body = await readFile(path).catch(() => undefined);
    if (!body) continue;
    const key = relative(dir, path).split(sep).join("/");
    // Vite names built assets by content hash, so they never change under the same name.
    files.set(key, { body, type, immutable: key.startsWith("assets/") });
  }
  return files;
}
