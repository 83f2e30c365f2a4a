-- Data lifecycle (issue 22 §3): the archive files the platform wrote, one row per file (owned by
-- modules/ingest). The file beside it (`<name>.manifest.json`) holds the same facts, so an archive
-- directory can be verified and restored without this table.
CREATE TABLE ingest_archives (
  id             serial PRIMARY KEY,
  table_name     text NOT NULL CHECK (table_name IN ('ingest_events', 'ingest_quarantine')),
  -- Shanghai calendar month 'YYYY-MM' (events: occurred_at; quarantine: resolved_at).
  month          text NOT NULL,
  file           text NOT NULL UNIQUE,
  rows           integer NOT NULL,
  bytes          bigint NOT NULL,
  sha256         text NOT NULL,
  created_at     timestamptz NOT NULL,
  -- Rows deleted from the table after the file was written; finished_at once all of them are gone.
  deleted_rows   integer NOT NULL DEFAULT 0,
  finished_at    timestamptz,
  restored_at    timestamptz,
  restored_rows  integer
);
CREATE INDEX ingest_archives_month ON ingest_archives (table_name, month);

-- The monthly sync report's own numbers of a month, per lot (owned by modules/monitoring), kept
-- before that month's raw events are archived: the report of an archived month reads these
-- instead of ingest_events. `intervals` holds the silences longer than the lot's threshold that
-- overlap the month ([{from, to}] in epoch milliseconds).
CREATE TABLE monitoring_sync_snapshots (
  month        text PRIMARY KEY,
  taken_at     timestamptz NOT NULL
);
CREATE TABLE monitoring_sync_snapshot_lots (
  month              text NOT NULL REFERENCES monitoring_sync_snapshots (month) ON DELETE CASCADE,
  lot_id             integer NOT NULL,
  records            integer NOT NULL,
  days_with_data     integer NOT NULL,
  late_deliveries    integer NOT NULL,
  first_occurred_at  timestamptz,
  last_occurred_at   timestamptz,
  last_before_end    timestamptz,
  intervals          jsonb NOT NULL,
  PRIMARY KEY (month, lot_id)
);
CREATE INDEX monitoring_sync_snapshot_lots_lot ON monitoring_sync_snapshot_lots (lot_id);
