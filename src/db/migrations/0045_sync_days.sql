-- The monthly sync report's day summaries (issue 15 §4, owned by modules/monitoring): per lot and
-- closed Shanghai day, what the report reads of that day's ingest_events — how many, how many
-- delivered more than the lot's threshold late, the first and last occurredAt, and the silences
-- between consecutive events of the day longer than the threshold ([[from, to]] in epoch
-- milliseconds). A month's report sums ≤ 31 of these per lot and reads only the days without a
-- usable summary (today, changed days, a changed threshold) from the events
-- (src/modules/monitoring/sync-days.ts; docs/performance.md, "Monthly sync report").
CREATE TABLE monitoring_sync_days (
  lot_id             integer NOT NULL,
  day                date NOT NULL,
  -- The lot's threshold the day was summarised with: late deliveries and silences depend on it.
  threshold_minutes  integer NOT NULL,
  records            integer NOT NULL,
  late_deliveries    integer NOT NULL,
  first_occurred_at  timestamptz,
  last_occurred_at   timestamptz,
  intervals          jsonb NOT NULL,
  computed_at        timestamptz NOT NULL,
  PRIMARY KEY (lot_id, day)
);

-- Days whose events changed since they were summarised (late deliveries, restores, archive
-- deletes): a summary with a mark here is not used until job monitoring.sync-days recomputes it.
-- Append-only, one row per lot and day and statement (as analytics_dirty, migration 0014), so
-- concurrent ingest batches never wait on each other.
CREATE TABLE monitoring_sync_dirty (
  id      bigserial PRIMARY KEY,
  lot_id  integer NOT NULL,
  day     date NOT NULL
);
CREATE INDEX monitoring_sync_dirty_lot_day ON monitoring_sync_dirty (lot_id, day);

-- Shanghai is UTC+8 all year: its calendar day without depending on the session's time zone.
CREATE FUNCTION monitoring_sync_mark_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO monitoring_sync_dirty (lot_id, day)
  SELECT DISTINCT lot_id, ((occurred_at AT TIME ZONE 'UTC') + interval '8 hours')::date FROM new_rows WHERE lot_id IS NOT NULL;
  RETURN NULL;
END $$;
CREATE FUNCTION monitoring_sync_mark_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO monitoring_sync_dirty (lot_id, day)
  SELECT DISTINCT lot_id, ((occurred_at AT TIME ZONE 'UTC') + interval '8 hours')::date FROM old_rows WHERE lot_id IS NOT NULL;
  RETURN NULL;
END $$;
CREATE FUNCTION monitoring_sync_mark_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO monitoring_sync_dirty (lot_id, day)
  SELECT lot_id, ((occurred_at AT TIME ZONE 'UTC') + interval '8 hours')::date FROM old_rows WHERE lot_id IS NOT NULL
  UNION
  SELECT lot_id, ((occurred_at AT TIME ZONE 'UTC') + interval '8 hours')::date FROM new_rows WHERE lot_id IS NOT NULL;
  RETURN NULL;
END $$;

CREATE TRIGGER ingest_events_sync_days_insert AFTER INSERT ON ingest_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION monitoring_sync_mark_new();
CREATE TRIGGER ingest_events_sync_days_update AFTER UPDATE ON ingest_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION monitoring_sync_mark_both();
CREATE TRIGGER ingest_events_sync_days_delete AFTER DELETE ON ingest_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION monitoring_sync_mark_old();
