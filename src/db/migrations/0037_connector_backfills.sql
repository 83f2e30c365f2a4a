-- 数据对接: "re-read from cursor X" (backfill) runs of a connector, with their progress
-- (docs/数据对接.md §5). A backfill reads from its own position up to where the live cursor
-- stood when it was asked for; what it re-reads that is already stored is a duplicate by event id.
CREATE TABLE connector_backfills (
  id             serial PRIMARY KEY,
  connector_id   integer NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  from_cursor    jsonb,
  until_cursor   jsonb,
  position       jsonb,
  status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  records        integer NOT NULL DEFAULT 0,
  accepted       integer NOT NULL DEFAULT 0,
  error          text,
  requested_by   text NOT NULL,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz
);
-- One running backfill per connector.
CREATE UNIQUE INDEX connector_backfills_running ON connector_backfills (connector_id) WHERE status = 'running';
