-- Data sync monitoring (数据同步监控): freshness transitions, outage alerts, maintenance windows,
-- follow-up tasks, sources marked for diagnosis. Owned by modules/monitoring.

-- Maintenance windows silence alerts and show lots as paused. One-off: [starts_at, ends_at).
-- Weekly: on the ISO days of week (1 = Monday), from start_minute to end_minute of the Shanghai
-- day; end <= start runs past midnight into the next day. valid_from/valid_to bound the days
-- (Shanghai dates) on which an occurrence may start.
CREATE TABLE monitoring_windows (
  id            serial PRIMARY KEY,
  scope         text NOT NULL CHECK (scope IN ('lot', 'source', 'district', 'all')),
  lot_id        integer REFERENCES lots (id) ON DELETE CASCADE,
  source_code   text REFERENCES data_sources (code) ON DELETE CASCADE ON UPDATE CASCADE,
  district_code text REFERENCES districts (code),
  kind          text NOT NULL CHECK (kind IN ('once', 'weekly')),
  starts_at     timestamptz,
  ends_at       timestamptz,
  days_of_week  integer[],
  start_minute  integer CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute    integer CHECK (end_minute BETWEEN 0 AND 1439),
  valid_from    date,
  valid_to      date,
  reason        text NOT NULL,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  CHECK ((scope = 'lot') = (lot_id IS NOT NULL)),
  CHECK ((scope = 'source') = (source_code IS NOT NULL)),
  CHECK ((scope = 'district') = (district_code IS NOT NULL)),
  CHECK (kind <> 'once' OR (starts_at IS NOT NULL AND ends_at > starts_at)),
  CHECK (kind <> 'weekly' OR (cardinality(days_of_week) > 0 AND start_minute IS NOT NULL AND end_minute IS NOT NULL AND start_minute <> end_minute)),
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);

-- The freshness state each lot and source had at the last evaluation; a change is a transition.
CREATE TABLE monitoring_lot_state (
  lot_id  integer PRIMARY KEY,
  state   text NOT NULL CHECK (state IN ('ok', 'late', 'never', 'paused')),
  since   timestamptz NOT NULL
);

CREATE TABLE monitoring_source_state (
  source_code  text PRIMARY KEY,
  state        text NOT NULL CHECK (state IN ('ok', 'partial', 'late', 'never', 'paused')),
  since        timestamptz NOT NULL
);

-- Newest occurredAt of each source's heartbeats (they move no lot), summed like the receipts.
CREATE TABLE monitoring_source_heartbeats (
  source_code        text PRIMARY KEY,
  last_heartbeat_at  timestamptz NOT NULL
);

-- Receipts per lot and hour of receipt, summed incrementally from ingest_events by id (see
-- receipts.ts): the lot timeline and the late-delivery counts read these instead of the events.
CREATE TABLE monitoring_receipts_hourly (
  lot_id    integer NOT NULL,
  hour      timestamptz NOT NULL,
  received  integer NOT NULL,
  late      integer NOT NULL,
  PRIMARY KEY (lot_id, hour)
);
CREATE INDEX monitoring_receipts_hourly_hour ON monitoring_receipts_hourly (hour);

-- How far the hourly sums have read ingest_events: through last_id; seen_id is the newest id of
-- the previous run, read next time (a transaction still open then has committed by now).
CREATE TABLE monitoring_cursor (
  name     text PRIMARY KEY,
  last_id  bigint NOT NULL,
  seen_id  bigint NOT NULL
);

-- One alert per outage: of a lot, or of a whole source (then its lots raise none of their own).
CREATE TABLE monitoring_alerts (
  id                 bigserial PRIMARY KEY,
  scope              text NOT NULL CHECK (scope IN ('lot', 'source')),
  lot_id             integer,
  source_code        text NOT NULL,
  -- Districts of the lots concerned, for district scoping of reads.
  district_codes     text[] NOT NULL DEFAULT '{}',
  state              text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved')),
  opened_at          timestamptz NOT NULL,
  -- Newest data when the alert opened, the threshold then, and (source alerts) how many lots were late.
  last_occurred_at   timestamptz,
  threshold_minutes  integer NOT NULL,
  late_lots          integer NOT NULL DEFAULT 1,
  last_notified_at   timestamptz NOT NULL,
  reminders          integer NOT NULL DEFAULT 0,
  acknowledged_at    timestamptz,
  acknowledged_by    text,
  ack_note           text,
  resolved_at        timestamptz,
  resolution         text CHECK (resolution IN ('recovered', 'folded', 'unmonitored')),
  -- A lot alert folded into its source's alert.
  parent_id          bigint REFERENCES monitoring_alerts (id),
  CHECK ((scope = 'lot') = (lot_id IS NOT NULL)),
  CHECK ((state = 'resolved') = (resolved_at IS NOT NULL AND resolution IS NOT NULL))
);
CREATE UNIQUE INDEX monitoring_alerts_one_per_lot ON monitoring_alerts (lot_id) WHERE scope = 'lot' AND state <> 'resolved';
CREATE UNIQUE INDEX monitoring_alerts_one_per_source ON monitoring_alerts (source_code) WHERE scope = 'source' AND state <> 'resolved';
CREATE INDEX monitoring_alerts_source_opened ON monitoring_alerts (source_code, opened_at);
CREATE INDEX monitoring_alerts_opened ON monitoring_alerts (opened_at DESC, id DESC);

-- What happened to an alert, in order: opened, reminded, acknowledged, folded, resolved.
CREATE TABLE monitoring_alert_events (
  id        bigserial PRIMARY KEY,
  alert_id  bigint NOT NULL REFERENCES monitoring_alerts (id),
  at        timestamptz NOT NULL,
  kind      text NOT NULL CHECK (kind IN ('opened', 'reminded', 'acknowledged', 'folded', 'resolved')),
  actor     text NOT NULL,
  note      text
);
CREATE INDEX monitoring_alert_events_alert ON monitoring_alert_events (alert_id, id);

-- "Contact the operator": one task per outage, with the contacts as they were when it opened.
CREATE TABLE monitoring_followups (
  id              bigserial PRIMARY KEY,
  alert_id        bigint NOT NULL UNIQUE REFERENCES monitoring_alerts (id),
  source_code     text NOT NULL,
  lot_id          integer,
  district_codes  text[] NOT NULL DEFAULT '{}',
  operator_id     integer,
  operator_name   text,
  contact_name    text,
  contact_phone   text,
  contact_email   text,
  state           text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
  created_at      timestamptz NOT NULL,
  completed_at    timestamptz,
  completed_by    text,
  note            text,
  CHECK ((state = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX monitoring_followups_state ON monitoring_followups (state, created_at);

-- Sources with repeated outages, marked for technical diagnosis (长期问题接入单位) until cleared.
CREATE TABLE monitoring_problem_sources (
  source_code   text PRIMARY KEY REFERENCES data_sources (code) ON DELETE CASCADE ON UPDATE CASCADE,
  marked_at     timestamptz NOT NULL,
  outages       integer NOT NULL,
  cleared_at    timestamptz,
  cleared_by    text,
  clear_note    text
);
