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

-- The data-quality score's day counts (issue 15 §4, owned by modules/quality): per lot, closed
-- Shanghai day, kind of row and — for sessions — the session's own source, how many rows the lot
-- delivered (sessions by entry time, else exit time; status reports by report time; set aside or
-- not) and how many of them are affected (an open or fixed finding, or pairing flags). The scores
-- add these up and count only the days without a usable row from the data
-- (src/modules/quality/score-days.ts; the definition: docs/用户手册.md §14.9).
CREATE TABLE quality_score_days (
  lot_id       integer NOT NULL,
  day          date NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('session', 'report')),
  -- A session's source_code ('' when it has none); '' for reports (their source is their lot's, read when asked).
  source_code  text NOT NULL,
  rows         integer NOT NULL,
  affected     integer NOT NULL,
  PRIMARY KEY (lot_id, day, kind, source_code)
);
-- The lot-days summarised (also those without any row), when.
CREATE TABLE quality_score_days_done (
  lot_id       integer NOT NULL,
  day          date NOT NULL,
  computed_at  timestamptz NOT NULL,
  PRIMARY KEY (lot_id, day)
);

-- Lot-days whose rows or findings changed since they were counted; append-only as above.
CREATE TABLE quality_score_dirty (
  id      bigserial PRIMARY KEY,
  lot_id  integer NOT NULL,
  day     date NOT NULL
);
CREATE INDEX quality_score_dirty_lot_day ON quality_score_dirty (lot_id, day);

-- Sessions: a change of the day a session counts on, its lot, source or flags (not every exit).
CREATE FUNCTION quality_score_mark_sessions_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_score_dirty (lot_id, day)
  SELECT DISTINCT lot_id, ((coalesce(entered_at, exited_at) AT TIME ZONE 'UTC') + interval '8 hours')::date
  FROM new_rows WHERE coalesce(entered_at, exited_at) IS NOT NULL;
  RETURN NULL;
END $$;
CREATE FUNCTION quality_score_mark_sessions_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_score_dirty (lot_id, day)
  SELECT DISTINCT lot_id, ((coalesce(entered_at, exited_at) AT TIME ZONE 'UTC') + interval '8 hours')::date
  FROM old_rows WHERE coalesce(entered_at, exited_at) IS NOT NULL;
  RETURN NULL;
END $$;
CREATE FUNCTION quality_score_mark_sessions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_score_dirty (lot_id, day)
  SELECT x.lot_id, ((x.t AT TIME ZONE 'UTC') + interval '8 hours')::date
  FROM old_rows o JOIN new_rows n ON n.id = o.id,
       LATERAL (VALUES (o.lot_id, coalesce(o.entered_at, o.exited_at)), (n.lot_id, coalesce(n.entered_at, n.exited_at))) AS x(lot_id, t)
  WHERE x.t IS NOT NULL
    AND (coalesce(o.entered_at, o.exited_at), o.lot_id, o.source_code, cardinality(o.flags) > 0)
        IS DISTINCT FROM (coalesce(n.entered_at, n.exited_at), n.lot_id, n.source_code, cardinality(n.flags) > 0)
  GROUP BY 1, 2;
  RETURN NULL;
END $$;
CREATE TRIGGER parking_sessions_quality_score_insert AFTER INSERT ON parking_sessions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_sessions_new();
CREATE TRIGGER parking_sessions_quality_score_update AFTER UPDATE ON parking_sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_sessions_update();
CREATE TRIGGER parking_sessions_quality_score_delete AFTER DELETE ON parking_sessions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_sessions_old();

-- Status reports: a new, deleted or moved report.
CREATE FUNCTION quality_score_mark_reports_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_score_dirty (lot_id, day)
  SELECT DISTINCT lot_id, ((occurred_at AT TIME ZONE 'UTC') + interval '8 hours')::date FROM new_rows;
  RETURN NULL;
END $$;
CREATE FUNCTION quality_score_mark_reports_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_score_dirty (lot_id, day)
  SELECT DISTINCT lot_id, ((occurred_at AT TIME ZONE 'UTC') + interval '8 hours')::date FROM old_rows;
  RETURN NULL;
END $$;
CREATE FUNCTION quality_score_mark_reports_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_score_dirty (lot_id, day)
  SELECT x.lot_id, ((x.t AT TIME ZONE 'UTC') + interval '8 hours')::date
  FROM old_rows o JOIN new_rows n ON n.id = o.id,
       LATERAL (VALUES (o.lot_id, o.occurred_at), (n.lot_id, n.occurred_at)) AS x(lot_id, t)
  WHERE (o.lot_id, o.occurred_at) IS DISTINCT FROM (n.lot_id, n.occurred_at)
  GROUP BY 1, 2;
  RETURN NULL;
END $$;
CREATE TRIGGER lot_status_reports_quality_score_insert AFTER INSERT ON lot_status_reports
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_reports_new();
CREATE TRIGGER lot_status_reports_quality_score_update AFTER UPDATE ON lot_status_reports
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_reports_update();
CREATE TRIGGER lot_status_reports_quality_score_delete AFTER DELETE ON lot_status_reports
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_reports_old();

-- Findings: the day of the row a finding is about, when the finding starts or stops counting
-- (open / fixed count, dismissed does not) or moves to another row. A scan's upsert touches every
-- finding it sees again; those that keep counting mark nothing.
CREATE FUNCTION quality_score_mark_findings(rows_changed jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO quality_score_dirty (lot_id, day)
  SELECT s.lot_id, ((coalesce(s.entered_at, s.exited_at) AT TIME ZONE 'UTC') + interval '8 hours')::date
  FROM jsonb_to_recordset(rows_changed) AS f(target_type text, target_id bigint)
  JOIN parking_sessions s ON s.id = f.target_id
  WHERE f.target_type = 'session' AND coalesce(s.entered_at, s.exited_at) IS NOT NULL
  UNION
  SELECT r.lot_id, ((r.occurred_at AT TIME ZONE 'UTC') + interval '8 hours')::date
  FROM jsonb_to_recordset(rows_changed) AS f(target_type text, target_id bigint)
  JOIN lot_status_reports r ON r.id = f.target_id
  WHERE f.target_type = 'status_report';
$$;
CREATE FUNCTION quality_score_mark_findings_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM quality_score_mark_findings(coalesce((SELECT jsonb_agg(jsonb_build_object('target_type', target_type, 'target_id', target_id))
    FROM new_rows WHERE status IN ('open', 'fixed') AND target_type <> 'lot'), '[]'::jsonb));
  RETURN NULL;
END $$;
CREATE FUNCTION quality_score_mark_findings_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM quality_score_mark_findings(coalesce((SELECT jsonb_agg(jsonb_build_object('target_type', target_type, 'target_id', target_id))
    FROM old_rows WHERE status IN ('open', 'fixed') AND target_type <> 'lot'), '[]'::jsonb));
  RETURN NULL;
END $$;
CREATE FUNCTION quality_score_mark_findings_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM quality_score_mark_findings(coalesce((SELECT jsonb_agg(jsonb_build_object('target_type', x.target_type, 'target_id', x.target_id))
    FROM old_rows o JOIN new_rows n ON n.id = o.id,
         LATERAL (VALUES (o.target_type, o.target_id), (n.target_type, n.target_id)) AS x(target_type, target_id)
    WHERE x.target_type <> 'lot'
      AND ((o.status IN ('open', 'fixed')) IS DISTINCT FROM (n.status IN ('open', 'fixed'))
           OR (o.target_type, o.target_id) IS DISTINCT FROM (n.target_type, n.target_id))), '[]'::jsonb));
  RETURN NULL;
END $$;
CREATE TRIGGER quality_findings_score_insert AFTER INSERT ON quality_findings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_findings_new();
CREATE TRIGGER quality_findings_score_update AFTER UPDATE ON quality_findings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_findings_update();
CREATE TRIGGER quality_findings_score_delete AFTER DELETE ON quality_findings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_score_mark_findings_old();
