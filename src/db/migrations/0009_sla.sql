-- SLA engine (modules/sla): deadlines of work orders and incidents on a service calendar.
-- A subject (a ticket, an incident, …) has one SLA item per kind (response, resolution, restore,
-- feedback …); due_at and warn_at are caches of the pure clock (modules/sla/clock.ts) over
-- started_at, the pauses and the target, recomputed on every pause and resume.

CREATE TABLE sla_items (
  id                 bigserial PRIMARY KEY,
  subject_type       text NOT NULL CHECK (subject_type ~ '^[a-z][a-z0-9_]{0,31}$'),
  subject_id         text NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 64),
  kind               text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,31}$'),
  policy_key         text,
  calendar_id        text NOT NULL,
  -- Whole minutes from policies; fractional when derived from a fixed deadline (start → dueAt).
  target_minutes     double precision NOT NULL CHECK (target_minutes > 0),
  warn_fraction      double precision CHECK (warn_fraction > 0 AND warn_fraction < 1),
  warn_minutes_before integer CHECK (warn_minutes_before >= 0),
  started_at         timestamptz NOT NULL,
  -- running: counting, not past due; breached: counting, past due; paused: stopped (breached_at
  -- tells whether it is past due); met: completed (late ⇔ breached_at IS NOT NULL); cancelled.
  state              text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'paused', 'breached', 'met', 'cancelled')),
  paused_since       timestamptz,
  -- Calendar minutes spent in closed pauses (what the pauses added to the due time).
  paused_minutes     double precision NOT NULL DEFAULT 0,
  due_at             timestamptz,
  warn_at            timestamptz,
  warned_at          timestamptz,
  breached_at        timestamptz,
  met_at             timestamptz,
  cancelled_at       timestamptz,
  cancel_reason      text,
  -- For notices: who sees them (district users only their own) and what they name and open.
  district_code      text,
  label              text,
  link               text,
  audience_usernames text[] NOT NULL DEFAULT '{}',
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  CHECK ((state = 'paused') = (paused_since IS NOT NULL)),
  CHECK (warn_fraction IS NULL OR warn_minutes_before IS NULL)
);
-- One open clock per subject and kind; closed ones stay as history.
CREATE UNIQUE INDEX sla_items_open_kind ON sla_items (subject_type, subject_id, kind) WHERE state IN ('running', 'paused', 'breached');
CREATE INDEX sla_items_subject ON sla_items (subject_type, subject_id);
-- What the minute job scans.
CREATE INDEX sla_items_running_due ON sla_items (due_at) WHERE state = 'running';
CREATE INDEX sla_items_pending_warn ON sla_items (warn_at) WHERE state = 'running' AND warned_at IS NULL;

CREATE TABLE sla_pauses (
  id          bigserial PRIMARY KEY,
  item_id     bigint NOT NULL REFERENCES sla_items (id) ON DELETE CASCADE,
  paused_at   timestamptz NOT NULL,
  resumed_at  timestamptz,
  reason      text,
  CHECK (resumed_at IS NULL OR resumed_at >= paused_at)
);
CREATE INDEX sla_pauses_item ON sla_pauses (item_id, paused_at);

-- A breach stays on record even when the item is completed later or its due time moves.
CREATE TABLE sla_breaches (
  id              bigserial PRIMARY KEY,
  item_id         bigint NOT NULL UNIQUE REFERENCES sla_items (id) ON DELETE CASCADE,
  subject_type    text NOT NULL,
  subject_id      text NOT NULL,
  kind            text NOT NULL,
  district_code   text,
  calendar_id     text NOT NULL,
  target_minutes  double precision NOT NULL,
  due_at          timestamptz NOT NULL,
  detected_at     timestamptz NOT NULL
);
CREATE INDEX sla_breaches_subject ON sla_breaches (subject_type, subject_id);
CREATE INDEX sla_breaches_due ON sla_breaches (due_at);

-- Targets changed from their defaults in code (modules/sla/policies.ts), by policy key.
CREATE TABLE sla_policy_overrides (
  key                 text PRIMARY KEY,
  target_minutes      integer NOT NULL CHECK (target_minutes > 0),
  calendar_id         text NOT NULL,
  warn_fraction       double precision CHECK (warn_fraction > 0 AND warn_fraction < 1),
  warn_minutes_before integer CHECK (warn_minutes_before >= 0),
  updated_by          text NOT NULL,
  updated_at          timestamptz NOT NULL,
  CHECK (warn_fraction IS NULL OR warn_minutes_before IS NULL)
);
