/**
 * Migration 2: the indexes behind listings (queries-list.ts). Each ends in (created_at, instance_id), the listing's
 * order, so a page is one ordered index range.
 *
 * Metadata pairs live in a side table kept by triggers, so every writer (starts, reruns, id reuse, purges) keeps it
 * right without knowing it exists; a row without metadata costs one `WHEN` test. (Unlike `next_visible_at`, which
 * queries.ts keeps without triggers, nothing on the hot path reads this table.) It repeats the instance's
 * created_at, so a metadata search reads one ordered index range too.
 */
import type { Migration } from "./migration.js";

export const LIST_INDEXES: Migration = {
  version: 2,
  description: "listing indexes and the metadata side table",
  sql: `
    DROP INDEX instances_status;
    CREATE INDEX instances_status_created ON instances (status, created_at, instance_id);
    CREATE INDEX instances_name_created ON instances (name, created_at, instance_id);
    CREATE INDEX instances_created ON instances (created_at, instance_id);
    -- Id prefix search: LIKE 'prefix%' can use a pattern_ops index whatever the database's collation.
    CREATE INDEX instances_id_pattern ON instances (instance_id text_pattern_ops);
    -- Retention: finished instances by when they finished (only finished rows are in it).
    CREATE INDEX instances_completed ON instances (status, completed_at) WHERE completed_at IS NOT NULL;
    CREATE TABLE instance_metadata (
      instance_id TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (instance_id, key)
    );
    CREATE INDEX instance_metadata_search ON instance_metadata (key, value, created_at, instance_id);
    INSERT INTO instance_metadata (instance_id, key, value, created_at)
      SELECT i.instance_id, m.key, m.value, i.created_at
      FROM instances i, json_each_text(i.metadata) m WHERE i.metadata IS NOT NULL;
    CREATE FUNCTION weft_sync_instance_metadata() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        DELETE FROM instance_metadata WHERE instance_id = OLD.instance_id;
      END IF;
      IF TG_OP <> 'DELETE' AND NEW.metadata IS NOT NULL THEN
        INSERT INTO instance_metadata (instance_id, key, value, created_at)
          SELECT NEW.instance_id, m.key, m.value, NEW.created_at FROM json_each_text(NEW.metadata) m
          WHERE m.value IS NOT NULL;
      END IF;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER instance_metadata_insert AFTER INSERT ON instances
      FOR EACH ROW WHEN (NEW.metadata IS NOT NULL) EXECUTE FUNCTION weft_sync_instance_metadata();
    CREATE TRIGGER instance_metadata_delete AFTER DELETE ON instances
      FOR EACH ROW WHEN (OLD.metadata IS NOT NULL) EXECUTE FUNCTION weft_sync_instance_metadata();
    CREATE TRIGGER instance_metadata_update AFTER UPDATE OF metadata, created_at ON instances
      FOR EACH ROW WHEN (NEW.metadata::text IS DISTINCT FROM OLD.metadata::text OR NEW.created_at <> OLD.created_at)
      EXECUTE FUNCTION weft_sync_instance_metadata();`,
};
