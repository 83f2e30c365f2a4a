-- Report schedules and the report centre's archive (docs/巡检与报告.md §6): per report kind, "generate on
-- the Nth working day of the month / ISO week" (official calendar) and the notification channels to
-- send it to; every document so generated is kept (bytes and checksum) once per kind and period.
CREATE TABLE health_report_schedules (
  kind         text PRIMARY KEY,
  working_day  integer NOT NULL CHECK (working_day BETWEEN 1 AND 23),
  channel_ids  bigint[] NOT NULL DEFAULT '{}',
  enabled      boolean NOT NULL DEFAULT true,
  updated_by   text NOT NULL,
  updated_at   timestamptz NOT NULL
);

CREATE TABLE health_report_archive (
  id               bigserial PRIMARY KEY,
  kind             text NOT NULL,
  period           text NOT NULL,
  title            text NOT NULL,
  file_name        text NOT NULL,
  content_type     text NOT NULL,
  content          bytea NOT NULL,
  bytes            integer NOT NULL,
  sha256           text NOT NULL,
  generated_by     text NOT NULL,
  generated_at     timestamptz NOT NULL,
  notification_id  bigint,
  sent_to          bigint[] NOT NULL DEFAULT '{}',
  UNIQUE (kind, period)
);
CREATE INDEX health_report_archive_generated ON health_report_archive (generated_at DESC, id DESC);
