/** Dapr's API token: with `DAPR_API_TOKEN` set, every route but health needs the `dapr-api-token` header. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { HttpError } from "./errors.js";

export const TOKEN_HEADER = "dapr-api-token";

/** `isOpen(path)`: GET routes served without the token (health, the dashboard's static files). */
export function requireApiToken(
  app: FastifyInstance,
  token: string,
  isOpen: (path: string) => boolean,
): void {
  const expected = digest(token);
  app.addHook("onRequest", async (request) => {
    if ((request.method === "GET" || request.method === "HEAD") && isOpen(request.url.split("?")[0]!)) return;
    const given = request.headers[TOKEN_HEADER];
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    if (typeof given !== "string" || !timingSafeEqual(digest(given), expected)) {
      throw new HttpError(
        401,
        "ERR_API_TOKEN_INVALID",
        `invalid api token: send it in the '${TOKEN_HEADER}' header`,
      );
    }
  });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
