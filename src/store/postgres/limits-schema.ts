/**
 * Migration 3: the tables behind cluster-wide limits (limits.ts). Tickets are numbered by a sequence, under a
 * per-key advisory lock, so their order is the order in which they became visible; holders are nodes, renewed by
 * their limiter. Rate rows are one per start, kept for a second.
 */
import type { Migration } from "./migration.js";

export const LIMIT_TABLES: Migration = {
  version: 3,
  description: "concurrency slots and rate windows",
  sql: `
    CREATE TABLE limit_tickets (
      key TEXT NOT NULL,
      ticket BIGINT GENERATED ALWAYS AS IDENTITY,
      holder TEXT NOT NULL,
      PRIMARY KEY (key, ticket)
    );
    CREATE INDEX limit_tickets_holder ON limit_tickets (holder);
    CREATE TABLE limit_holders (
      holder TEXT PRIMARY KEY,
      expires_at BIGINT NOT NULL
    );
    CREATE TABLE limit_starts (
      key TEXT NOT NULL,
      started_at BIGINT NOT NULL
    );
    CREATE INDEX limit_starts_key ON limit_starts (key, started_at);`,
};
