-- 数据对接 (modules/connectors): pulling from systems that cannot push (docs/数据对接.md,
-- decision 0028). Every pulled record goes through ingest's ingestBatch under the connector's
-- data source, so ingest_events keeps what was pulled, marked via = 'connector'.

-- A connector: what it reads (kind + config), how rows become events (mapping), where it
-- stands (cursor). Passwords, header values and HMAC keys are sealed with the platform key
-- (secrets_sealed, a SecretBox value of a JSON object); config holds what may be shown.
CREATE TABLE connectors (
  id                serial PRIMARY KEY,
  code              text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name              text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  kind              text NOT NULL CHECK (kind IN ('http', 'database', 'file')),
  source_code       text NOT NULL REFERENCES data_sources (code),
  config            jsonb NOT NULL,
  secrets_sealed    text,
  mapping           jsonb NOT NULL,
  enabled           boolean NOT NULL DEFAULT false,
  interval_seconds  integer NOT NULL DEFAULT 60 CHECK (interval_seconds BETWEEN 10 AND 86400),
  -- Where the next pull starts (the position after the last committed record); null: the beginning.
  cursor            jsonb,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  updated_by        text NOT NULL
);

-- Health of each connector, written by every pull (the 同步监控 page's connectors tab).
CREATE TABLE connector_health (
  connector_id        integer PRIMARY KEY REFERENCES connectors (id) ON DELETE CASCADE,
  last_pull_at        timestamptz,
  last_success_at     timestamptz,
  -- The newest business time among the records pulled: lag = now − this.
  last_record_at      timestamptz,
  last_error          text,
  last_error_at       timestamptz,
  consecutive_errors  integer NOT NULL DEFAULT 0,
  next_pull_at        timestamptz,
  records_total       bigint NOT NULL DEFAULT 0,
  rejected_total      bigint NOT NULL DEFAULT 0
);

-- Records and errors per connector and hour (records per hour on the monitoring page).
CREATE TABLE connector_hourly (
  connector_id  integer NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  hour          timestamptz NOT NULL,
  records       integer NOT NULL DEFAULT 0,
  rejected      integer NOT NULL DEFAULT 0,
  errors        integer NOT NULL DEFAULT 0,
  PRIMARY KEY (connector_id, hour)
);

ALTER TABLE ingest_events DROP CONSTRAINT ingest_events_via_check;
ALTER TABLE ingest_events ADD CONSTRAINT ingest_events_via_check CHECK (via IN ('api', 'import', 'replay', 'connector'));
