import { describe, expect, test } from "vitest";
import { postgresOptionsFromUrl } from "./connection.js";

describe("postgresOptionsFromUrl", () => {
  test("takes Weft's own parameters out of the URL and leaves PostgreSQL's", () => {
    const options = postgresOptionsFromUrl(
      "postgres://u@h:5432/db?schema=orders&lease_ms=2000&eager_starts=false&sslmode=disable",
    );
    expect(options).toEqual({
      url: "postgres://u@h:5432/db?sslmode=disable",
      schema: "orders",
      leaseTtlMs: 2000,
      eagerStarts: false,
    });
    expect(postgresOptionsFromUrl("postgres://u@h/db?eager_starts=true").eagerStarts).toBe(true);
    expect(postgresOptionsFromUrl("postgres://u@h/db")).toEqual({ url: "postgres://u@h/db" });
  });

  test.each([
    ["postgres://u@h/db?lease_ms=50", "lease_ms must be a whole number of milliseconds from 100, got '50'"],
    ["postgres://u@h/db?eager_starts=yes", "eager_starts must be true or false, got 'yes'"],
    ["not a url", "the store URL 'not a url' is not a valid URL"],
  ])("%s is refused: %s", (url, message) => {
    expect(() => postgresOptionsFromUrl(url)).toThrow(
      expect.objectContaining({ code: "invalid_argument", message }),
    );
  });
});
