-- Analytics rollups (数据分析, modules/analytics). Dashboards read these, never raw sessions.
-- Definitions: docs/指标口径.md. Everything here can be recomputed from parking_sessions and
-- lot_status_reports (`zhibo analytics rebuild`); triggers queue the changed ranges and the
-- job analytics.refresh recomputes them, so late and corrected data reach the rollups.

-- Data cleaning (modules/quality) sets rows aside instead of deleting them, so a fix can be
-- reverted: a set-aside row leaves every KPI. The value is the quality fix that did it.
ALTER TABLE parking_sessions ADD COLUMN excluded_by bigint;
ALTER TABLE lot_status_reports ADD COLUMN excluded_by bigint;

-- Recomputing a lot's hours finds the sessions entering, leaving or still open in them.
CREATE INDEX parking_sessions_lot_entered ON parking_sessions (lot_id, entered_at);
CREATE INDEX parking_sessions_lot_exited ON parking_sessions (lot_id, exited_at);
CREATE INDEX parking_sessions_lot_open ON parking_sessions (lot_id, entered_at) WHERE state = 'open';

-- Ranges of a lot's data that changed since the last refresh. to_at null: up to now (open sessions).
CREATE TABLE analytics_dirty (
  id       bigserial PRIMARY KEY,
  lot_id   integer NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('sessions', 'status')),
  from_at  timestamptz NOT NULL,
  to_at    timestamptz
);

-- One row: how far time-driven refreshes have got (open sessions and status validity grow with the clock).
CREATE TABLE analytics_state (
  id              integer PRIMARY KEY CHECK (id = 1),
  refreshed_until timestamptz
);
INSERT INTO analytics_state (id, refreshed_until) VALUES (1, NULL);

-- Per lot and period (Shanghai hour / day / month, stored as the instant it starts).
-- pay_channel '*' is the lot's whole row; other values ('' = none reported) carry only the
-- exit-side figures (exits, dwell, revenue) of the sessions paid through that channel.
CREATE TABLE analytics_lot_hour (
  lot_id             integer NOT NULL,
  at                 timestamptz NOT NULL,
  pay_channel        text NOT NULL DEFAULT '*',
  entries            integer NOT NULL DEFAULT 0,
  exits              integer NOT NULL DEFAULT 0,
  -- car-seconds of sessions clipped to the period (utilisation's numerator)
  occupied_seconds   bigint NOT NULL DEFAULT 0,
  dwell_seconds      bigint NOT NULL DEFAULT 0,
  dwell_count        integer NOT NULL DEFAULT 0,
  receivable_fen     bigint NOT NULL DEFAULT 0,
  paid_fen           bigint NOT NULL DEFAULT 0,
  arrears_fen        bigint NOT NULL DEFAULT 0,
  -- data completeness: sessions whose coalesce(entered_at, exited_at) falls in the period
  sessions           integer NOT NULL DEFAULT 0,
  complete_sessions  integer NOT NULL DEFAULT 0,
  flagged_sessions   integer NOT NULL DEFAULT 0,
  -- occupancy from status reports: known seconds, ∫ occupancy dt over them, the peak
  occ_known_seconds  integer NOT NULL DEFAULT 0,
  occ_ratio_seconds  double precision NOT NULL DEFAULT 0,
  occ_peak           double precision,
  PRIMARY KEY (lot_id, at, pay_channel)
);
CREATE TABLE analytics_lot_day (LIKE analytics_lot_hour INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE analytics_lot_day ADD PRIMARY KEY (lot_id, at, pay_channel);
CREATE TABLE analytics_lot_month (LIKE analytics_lot_hour INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE analytics_lot_month ADD PRIMARY KEY (lot_id, at, pay_channel);
-- Dashboards read a period across all lots.
CREATE INDEX analytics_lot_hour_at ON analytics_lot_hour (at);
CREATE INDEX analytics_lot_day_at ON analytics_lot_day (at);
CREATE INDEX analytics_lot_month_at ON analytics_lot_month (at);
-- Most questions read only the whole-lot rows, a fifth of the day and month tables (the rest are
-- per-channel rows): a covering index over them lets a year of day rows be read index-only
-- (bench:analytics, category × week over a year: 155 ms → under 100 ms at p95).
CREATE INDEX analytics_lot_day_whole ON analytics_lot_day (at) INCLUDE (lot_id, pay_channel, entries, exits, occupied_seconds, dwell_seconds, dwell_count,
  receivable_fen, paid_fen, arrears_fen, sessions, complete_sessions, flagged_sessions, occ_known_seconds, occ_ratio_seconds, occ_peak)
  WHERE pay_channel = '*';
CREATE INDEX analytics_lot_month_whole ON analytics_lot_month (at) INCLUDE (lot_id, pay_channel, entries, exits, occupied_seconds, dwell_seconds, dwell_count,
  receivable_fen, paid_fen, arrears_fen, sessions, complete_sessions, flagged_sessions, occ_known_seconds, occ_ratio_seconds, occ_peak)
  WHERE pay_channel = '*';

-- Occupancy of a group of lots is a time-weighted mean of Σ occupied ÷ Σ total over the lots
-- known at each moment: not a sum of per-lot figures, so it is kept per group.
-- district_code / category '*' = all; ('*', '*') is the city.
CREATE TABLE analytics_group_hour (
  district_code      text NOT NULL,
  category           text NOT NULL,
  at                 timestamptz NOT NULL,
  occ_known_seconds  integer NOT NULL DEFAULT 0,
  occ_ratio_seconds  double precision NOT NULL DEFAULT 0,
  occ_peak           double precision,
  PRIMARY KEY (district_code, category, at)
);
CREATE TABLE analytics_group_day (LIKE analytics_group_hour INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE analytics_group_day ADD PRIMARY KEY (district_code, category, at);
CREATE TABLE analytics_group_month (LIKE analytics_group_hour INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE analytics_group_month ADD PRIMARY KEY (district_code, category, at);

-- Change capture. Statement-level with transition tables: one queue row per lot and statement,
-- not per session, because ingest writes sessions 500 at a time.
CREATE FUNCTION analytics_mark_sessions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (lot_id, kind, from_at, to_at)
  SELECT lot_id, 'sessions', min(coalesce(entered_at, exited_at)),
         CASE WHEN bool_or(exited_at IS NULL) THEN NULL ELSE max(greatest(exited_at, entered_at)) END
  FROM new_rows WHERE coalesce(entered_at, exited_at) IS NOT NULL GROUP BY lot_id;
  RETURN NULL;
END $$;

CREATE FUNCTION analytics_mark_sessions_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (lot_id, kind, from_at, to_at)
  SELECT lot_id, 'sessions', min(coalesce(entered_at, exited_at)),
         CASE WHEN bool_or(exited_at IS NULL) THEN NULL ELSE max(greatest(exited_at, entered_at)) END
  FROM old_rows WHERE coalesce(entered_at, exited_at) IS NOT NULL GROUP BY lot_id;
  RETURN NULL;
END $$;

-- An update dirties the span of the old and the new row. When only flags changed (the stale
-- flag, months after entry) just the hour the session is counted in changes.
CREATE FUNCTION analytics_mark_sessions_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (lot_id, kind, from_at, to_at)
  SELECT lot_id, 'sessions', min(f), CASE WHEN bool_or(t IS NULL) THEN NULL ELSE max(t) END
  FROM (
    SELECT o.lot_id, coalesce(o.entered_at, o.exited_at) AS f,
           CASE WHEN o.exited_at IS NULL THEN NULL ELSE greatest(o.exited_at, o.entered_at) END AS t
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE (n.entered_at, n.exited_at, n.receivable_fen, n.paid_fen, n.pay_channel, n.state, n.excluded_by, n.lot_id)
          IS DISTINCT FROM (o.entered_at, o.exited_at, o.receivable_fen, o.paid_fen, o.pay_channel, o.state, o.excluded_by, o.lot_id)
    UNION ALL
    SELECT n.lot_id, coalesce(n.entered_at, n.exited_at),
           CASE WHEN (n.entered_at, n.exited_at, n.receivable_fen, n.paid_fen, n.pay_channel, n.state, n.excluded_by, n.lot_id)
                     IS NOT DISTINCT FROM (o.entered_at, o.exited_at, o.receivable_fen, o.paid_fen, o.pay_channel, o.state, o.excluded_by, o.lot_id)
                THEN coalesce(n.entered_at, n.exited_at)
                WHEN n.exited_at IS NULL THEN NULL
                ELSE greatest(n.exited_at, n.entered_at) END
    FROM new_rows n JOIN old_rows o ON o.id = n.id
  ) AS changed
  WHERE f IS NOT NULL
  GROUP BY lot_id;
  RETURN NULL;
END $$;

CREATE TRIGGER parking_sessions_analytics_insert AFTER INSERT ON parking_sessions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_sessions_insert();
CREATE TRIGGER parking_sessions_analytics_update AFTER UPDATE ON parking_sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_sessions_update();
CREATE TRIGGER parking_sessions_analytics_delete AFTER DELETE ON parking_sessions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_sessions_delete();

-- A status report is valid until the next one or the lot's late threshold: the refresher
-- widens (from_at, to_at) by that threshold, which the database does not know.
CREATE FUNCTION analytics_mark_status_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (lot_id, kind, from_at, to_at)
  SELECT lot_id, 'status', min(occurred_at), max(occurred_at) FROM new_rows GROUP BY lot_id;
  RETURN NULL;
END $$;
CREATE FUNCTION analytics_mark_status_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (lot_id, kind, from_at, to_at)
  SELECT lot_id, 'status', min(occurred_at), max(occurred_at)
  FROM (SELECT lot_id, occurred_at FROM old_rows UNION ALL SELECT lot_id, occurred_at FROM new_rows) AS changed
  GROUP BY lot_id;
  RETURN NULL;
END $$;
CREATE FUNCTION analytics_mark_status_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (lot_id, kind, from_at, to_at)
  SELECT lot_id, 'status', min(occurred_at), max(occurred_at) FROM old_rows GROUP BY lot_id;
  RETURN NULL;
END $$;
CREATE TRIGGER lot_status_reports_analytics_insert AFTER INSERT ON lot_status_reports
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_status_insert();
CREATE TRIGGER lot_status_reports_analytics_update AFTER UPDATE ON lot_status_reports
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_status_update();
CREATE TRIGGER lot_status_reports_analytics_delete AFTER DELETE ON lot_status_reports
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_status_delete();

-- Data stored before this migration: queue all of it, so the first refresh fills the rollups
-- (on a large database, `zhibo analytics rebuild` in batches with progress is the gentler way).
INSERT INTO analytics_dirty (lot_id, kind, from_at, to_at)
SELECT lot_id, 'sessions', min(coalesce(entered_at, exited_at)), NULL
FROM parking_sessions WHERE coalesce(entered_at, exited_at) IS NOT NULL GROUP BY lot_id;
INSERT INTO analytics_dirty (lot_id, kind, from_at, to_at)
SELECT lot_id, 'status', min(occurred_at), max(occurred_at) FROM lot_status_reports GROUP BY lot_id;
