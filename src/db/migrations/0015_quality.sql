-- Data cleaning (数据清洗, modules/quality). Rules find suspect rows, each finding suggests a fix;
-- a fix sets a row aside (excluded_by, migration 0014) or changes a value, and keeps before/after
-- so that it can be reverted. Nothing is deleted.

-- Per-rule settings. Rules themselves (SQL and texts) live in code; a missing row means defaults.
CREATE TABLE quality_rules (
  code        text PRIMARY KEY,
  enabled     boolean NOT NULL DEFAULT true,
  -- applied during the scan without a person; only rules the code marks safe may have it
  auto_apply  boolean NOT NULL DEFAULT false,
  params      jsonb NOT NULL DEFAULT '{}',
  updated_at  timestamptz,
  updated_by  text
);
INSERT INTO quality_rules (code, enabled, auto_apply, params) VALUES
  ('duplicate_session', true, true, '{"windowSeconds": 60}'),
  ('negative_duration', true, false, '{}'),
  ('overlong_duration', true, false, '{"maxDays": 7}'),
  ('fee_mismatch', true, false, '{"toleranceFen": 0, "ignoreZero": true}'),
  ('fee_over_cap', true, false, '{}'),
  ('paid_over_receivable', true, false, '{}'),
  ('invalid_plate', true, false, '{}'),
  ('status_out_of_capacity', true, true, '{"totalTolerance": 0.1}'),
  ('lot_capacity_contradiction', true, false, '{"peakTolerance": 0.1, "totalTolerance": 0.1, "minReports": 3, "mismatchShare": 0.8}');

-- A lot's tariff (收费标准) as the fee rules check it; optional, same shape as the simulator's Tariff.
CREATE TABLE lot_tariffs (
  lot_id                integer PRIMARY KEY,
  free_minutes          integer NOT NULL CHECK (free_minutes >= 0),
  first_period_minutes  integer NOT NULL CHECK (first_period_minutes >= 0),
  first_period_fen      integer NOT NULL CHECK (first_period_fen >= 0),
  unit_minutes          integer NOT NULL CHECK (unit_minutes > 0),
  unit_fen              integer NOT NULL CHECK (unit_fen >= 0),
  daily_cap_fen         integer CHECK (daily_cap_fen >= 0),
  updated_at            timestamptz NOT NULL,
  updated_by            text NOT NULL
);

-- One run of the rules over a range (manual or the hourly job).
CREATE TABLE quality_scans (
  id           bigserial PRIMARY KEY,
  from_at      timestamptz NOT NULL,
  to_at        timestamptz NOT NULL,
  lot_codes    text[],
  actor        text NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  found        integer NOT NULL DEFAULT 0,
  auto_fixed   integer NOT NULL DEFAULT 0
);

-- One finding per (rule, target): a rescan updates it instead of adding another.
-- target_type session → parking_sessions.id, status_report → lot_status_reports.id, lot → lots.id.
-- at: the row's time (session entry, else exit; report time; for a lot the end of the scanned range).
CREATE TABLE quality_findings (
  id            bigserial PRIMARY KEY,
  rule          text NOT NULL,
  target_type   text NOT NULL CHECK (target_type IN ('session', 'status_report', 'lot')),
  target_id     bigint NOT NULL,
  lot_id        integer NOT NULL,
  source_code   text,
  at            timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'fixed', 'dismissed')),
  -- exclude | set_receivable | set_plate | set_total_spaces, and its value ({} for exclude)
  action        text NOT NULL,
  suggested     jsonb NOT NULL DEFAULT '{}',
  -- the evidence: the values that broke the rule
  detail        jsonb NOT NULL DEFAULT '{}',
  found_at      timestamptz NOT NULL,
  last_scan_id  bigint NOT NULL,
  resolved_at   timestamptz,
  resolved_by   text,
  note          text,
  UNIQUE (rule, target_type, target_id)
);
CREATE INDEX quality_findings_list ON quality_findings (status, id);
CREATE INDEX quality_findings_lot_at ON quality_findings (lot_id, at);
CREATE INDEX quality_findings_target ON quality_findings (target_type, target_id);

-- What a fix changed. before/after hold the changed fields as they were and became; a revert
-- puts `before` back only while the row still holds `after`.
CREATE TABLE quality_fixes (
  id           bigserial PRIMARY KEY,
  finding_id   bigint NOT NULL REFERENCES quality_findings (id),
  target_type  text NOT NULL,
  target_id    bigint NOT NULL,
  lot_id       integer NOT NULL,
  action       text NOT NULL,
  before       jsonb NOT NULL,
  after        jsonb NOT NULL,
  auto         boolean NOT NULL DEFAULT false,
  applied_at   timestamptz NOT NULL,
  applied_by   text NOT NULL,
  reverted_at  timestamptz,
  reverted_by  text
);
CREATE INDEX quality_fixes_finding ON quality_fixes (finding_id);
