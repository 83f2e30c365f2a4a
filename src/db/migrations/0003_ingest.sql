-- Ingestion (数据接入) and parking records (停车流水). Owned by modules/ingest and modules/sessions.
-- Big tables carry lot_id (the distribution key for Citus) and have no foreign keys to lots.

-- Every accepted event, as received. (source_code, event_id) makes retries idempotent.
CREATE TABLE ingest_events (
  id           bigserial PRIMARY KEY,
  source_code  text NOT NULL,
  event_id     text NOT NULL,
  type         text NOT NULL CHECK (type IN ('entry', 'exit', 'status', 'heartbeat', 'payment')),
  lot_id       integer,
  occurred_at  timestamptz NOT NULL,
  received_at  timestamptz NOT NULL,
  plate        text,
  via          text NOT NULL DEFAULT 'api' CHECK (via IN ('api', 'import', 'replay')),
  payload      jsonb NOT NULL,
  UNIQUE (source_code, event_id)
);
CREATE INDEX ingest_events_lot_time ON ingest_events (lot_id, occurred_at);
CREATE INDEX ingest_events_received ON ingest_events (received_at);

-- What could not be accepted, kept whole with the reasons, until corrected and replayed or discarded.
CREATE TABLE ingest_quarantine (
  id           bigserial PRIMARY KEY,
  source_code  text,
  received_at  timestamptz NOT NULL,
  via          text NOT NULL DEFAULT 'api',
  -- Bytes as received: a body may hold what a text column refuses (NUL, broken escapes).
  raw_body     bytea NOT NULL,
  reasons      jsonb NOT NULL,
  rejected     integer NOT NULL DEFAULT 0,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'discarded')),
  resolved_at  timestamptz,
  resolved_by  text,
  note         text
);
CREATE INDEX ingest_quarantine_open ON ingest_quarantine (status, received_at);

-- Parking sessions: an entry paired with its exit.
CREATE TABLE parking_sessions (
  id              bigserial PRIMARY KEY,
  lot_id          integer NOT NULL,
  source_code     text NOT NULL,
  plate           text NOT NULL,
  plate_raw       text NOT NULL,
  plate_color     text,
  berth_code      text,
  entry_event_id  text,
  exit_event_id   text,
  entered_at      timestamptz,
  exited_at       timestamptz,
  receivable_fen  integer,
  paid_fen        integer,
  pay_channel     text,
  state           text NOT NULL CHECK (state IN ('open', 'closed')),
  -- e.g. no_entry, stale, duplicate_entry, entry_from_exit, negative_duration
  flags           text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Pairing looks sessions up by (lot, plate) and (lot, entry event); records by plate and time.
CREATE INDEX parking_sessions_lot_plate ON parking_sessions (lot_id, plate, exited_at);
CREATE INDEX parking_sessions_plate ON parking_sessions (plate);
CREATE INDEX parking_sessions_entry_event ON parking_sessions (lot_id, entry_event_id);

-- Live state of a lot: latest space status and data freshness (for monitoring).
CREATE TABLE lot_live (
  lot_id            integer PRIMARY KEY,
  total_spaces      integer,
  free_spaces       integer,
  status_at         timestamptz,
  status_flagged    boolean NOT NULL DEFAULT false,
  last_occurred_at  timestamptz,
  last_received_at  timestamptz
);

CREATE TABLE source_live (
  source_code       text PRIMARY KEY,
  last_occurred_at  timestamptz,
  last_received_at  timestamptz
);

-- Space status reports over time (occupancy analytics).
CREATE TABLE lot_status_reports (
  id            bigserial PRIMARY KEY,
  lot_id        integer NOT NULL,
  occurred_at   timestamptz NOT NULL,
  total_spaces  integer NOT NULL,
  free_spaces   integer NOT NULL,
  flagged       boolean NOT NULL DEFAULT false
);
CREATE INDEX lot_status_reports_lot_time ON lot_status_reports (lot_id, occurred_at);

-- Payments reported apart from exits (kiosk, app, ETC).
CREATE TABLE payments (
  id           bigserial PRIMARY KEY,
  lot_id       integer NOT NULL,
  order_no     text NOT NULL,
  plate        text,
  amount_fen   integer NOT NULL,
  channel      text NOT NULL,
  paid_at      timestamptz NOT NULL,
  event_id     text NOT NULL,
  UNIQUE (lot_id, order_no)
);
