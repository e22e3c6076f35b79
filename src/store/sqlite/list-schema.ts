/**
 * Migration 4: the indexes behind listings (queries-list.ts). Listings are newest first with keyset paging, so each
 * index ends in (created_at, instance_id): a page is then one ordered index range, however many instances match.
 *
 * Metadata pairs live in a side table kept by triggers, so every writer (starts, reruns, id reuse, purges) keeps it
 * right without knowing it exists, and a start without metadata pays one `WHEN` test. The table repeats the
 * instance's created_at and id, so a metadata search reads one ordered index range too.
 */
export const LIST_INDEXES = `
  DROP INDEX instances_status;
  CREATE INDEX instances_status_created ON instances(status, created_at, instance_id);
  CREATE INDEX instances_name_created ON instances(name, created_at, instance_id);
  CREATE INDEX instances_created ON instances(created_at, instance_id);
  -- Retention: finished instances by when they finished (only finished rows are in it).
  CREATE INDEX instances_completed ON instances(status, completed_at) WHERE completed_at IS NOT NULL;
  CREATE TABLE instance_metadata (
    instance_no INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    instance_id TEXT NOT NULL,
    PRIMARY KEY (instance_no, key)
  ) WITHOUT ROWID;
  CREATE INDEX instance_metadata_search ON instance_metadata(key, value, created_at, instance_id);
  INSERT INTO instance_metadata (instance_no, key, value, created_at, instance_id)
    SELECT i.instance_no, m.key, m.value, i.created_at, i.instance_id
    FROM instances i, json_each(i.metadata) m
    WHERE json_valid(i.metadata) AND json_type(i.metadata) = 'object';
  CREATE TRIGGER instance_metadata_insert AFTER INSERT ON instances WHEN json_valid(NEW.metadata) AND json_type(NEW.metadata) = 'object' BEGIN
    INSERT INTO instance_metadata (instance_no, key, value, created_at, instance_id)
      SELECT NEW.instance_no, key, value, NEW.created_at, NEW.instance_id FROM json_each(NEW.metadata);
  END;
  CREATE TRIGGER instance_metadata_delete AFTER DELETE ON instances WHEN OLD.metadata IS NOT NULL BEGIN
    DELETE FROM instance_metadata WHERE instance_no = OLD.instance_no;
  END;
  CREATE TRIGGER instance_metadata_update AFTER UPDATE OF metadata, created_at ON instances
    WHEN NEW.metadata IS NOT OLD.metadata OR NEW.created_at IS NOT OLD.created_at BEGIN
    DELETE FROM instance_metadata WHERE instance_no = OLD.instance_no;
    INSERT INTO instance_metadata (instance_no, key, value, created_at, instance_id)
      SELECT NEW.instance_no, key, value, NEW.created_at, NEW.instance_id FROM json_each(NEW.metadata)
      WHERE json_valid(NEW.metadata) AND json_type(NEW.metadata) = 'object';
  END;`;
