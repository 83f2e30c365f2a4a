-- The platform watching itself (modules/health): job runs, platform alerts, monthly inspections
-- (巡检) and weekly / monthly work reports (周报/月报). Owned by modules/health.

-- One row per scheduled job: what its runs did (written after each run by the job runner's sink,
-- src/platform/jobs.ts), read by GET /metrics and by the health.watch job.
CREATE TABLE health_job_state (
  job                   text PRIMARY KEY,
  first_seen_at         timestamptz NOT NULL,
  last_started_at       timestamptz NOT NULL,
  last_success_at       timestamptz,
  last_failure_at       timestamptz,
  last_duration_ms      double precision NOT NULL DEFAULT 0,
  consecutive_failures  integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  runs                  bigint NOT NULL DEFAULT 0,
  failures              bigint NOT NULL DEFAULT 0,
  last_error            text
);

-- Platform alerts: a job failing N times in a row, or stalled beyond its interval. One open alert
-- per (kind, subject); a sustained one is recorded in the incident ledger (incident_id).
CREATE TABLE health_alerts (
  id             bigserial PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('job_failing', 'job_stalled')),
  subject        text NOT NULL,
  state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
  opened_at      timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  resolved_at    timestamptz,
  detail         text NOT NULL,
  incident_id    bigint,
  incident_code  text,
  CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE UNIQUE INDEX health_alerts_one_open ON health_alerts (kind, subject) WHERE state = 'open';
CREATE INDEX health_alerts_opened ON health_alerts (opened_at DESC, id DESC);

-- Inspection runs (巡检) and their checklist items: automated checks and manual ones.
CREATE TABLE health_inspections (
  id           bigserial PRIMARY KEY,
  trigger      text NOT NULL CHECK (trigger IN ('manual', 'scheduled')),
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX health_inspections_created ON health_inspections (created_at DESC, id DESC);

CREATE TABLE health_inspection_items (
  inspection_id  bigint NOT NULL REFERENCES health_inspections (id) ON DELETE CASCADE,
  position       integer NOT NULL,
  code           text NOT NULL,
  name           text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('auto', 'manual')),
  status         text NOT NULL CHECK (status IN ('ok', 'warn', 'fail')),
  detail         text NOT NULL,
  measured       text,
  threshold      text,
  note           text,
  checked        boolean NOT NULL DEFAULT true,
  -- The incident opened from this item in one click (incidents module), if any.
  incident_code  text,
  updated_by     text NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (inspection_id, code)
);

-- Weekly / monthly work reports (周报/月报) as generated: the figures frozen in `content`, the
-- editable plan text, and the submit → review → approve / return flow. A new version of the same
-- period is a new row; an approved one is never changed.
CREATE TABLE health_work_reports (
  id             bigserial PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('weekly', 'monthly')),
  period         text NOT NULL,
  version        integer NOT NULL CHECK (version > 0),
  state          text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
  content        jsonb NOT NULL,
  problems       text NOT NULL DEFAULT '',
  next_plan      text NOT NULL DEFAULT '',
  generated_by   text NOT NULL,
  generated_at   timestamptz NOT NULL,
  submitted_by   text,
  submitted_at   timestamptz,
  reviewed_by    text,
  reviewed_at    timestamptz,
  review_comment text,
  UNIQUE (kind, period, version)
);
CREATE INDEX health_work_reports_generated ON health_work_reports (generated_at DESC, id DESC);

-- The incident ledger records the platform's own faults too (detection source 'platform').
ALTER TABLE incidents DROP CONSTRAINT incidents_detection_source_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_detection_source_check
  CHECK (detection_source IN ('monitoring', 'ticket', 'inspection', 'person', 'platform'));
