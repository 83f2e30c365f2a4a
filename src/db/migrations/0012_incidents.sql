-- Incident ledger (系统事件台账): system faults with their scope, handling timeline, recovery,
-- root cause, follow-up actions and the feedback given to users. Owned by modules/incidents.
-- The response / restore / feedback deadlines are SLA items (modules/sla, subject 'incident');
-- each follow-up action's planned date is one too (subject 'incident_action').

-- Per Shanghai day, the last sequence number handed out: codes SJ20261125-001, -002 …
CREATE TABLE incident_numbers (
  day   date PRIMARY KEY,
  last  integer NOT NULL CHECK (last > 0)
);

CREATE TABLE incidents (
  id                   bigserial PRIMARY KEY,
  code                 text NOT NULL UNIQUE,
  title                text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description          text,
  -- 1 一级 (most severe), 2 二级, 3 三级.
  severity             smallint NOT NULL CHECK (severity IN (1, 2, 3)),
  state                text NOT NULL DEFAULT 'open'
                         CHECK (state IN ('open', 'acknowledged', 'mitigated', 'resolved', 'reviewed', 'closed')),
  detection_source     text NOT NULL CHECK (detection_source IN ('monitoring', 'ticket', 'inspection', 'person')),
  -- Who found or reported it (a person, an inspection round, a caller), free text.
  reporter             text,
  occurred_at          timestamptz NOT NULL,
  detected_at          timestamptz NOT NULL,
  acknowledged_at      timestamptz,
  acknowledged_by      text,
  -- Basic service restored (mitigated): the ledger's 恢复时间.
  recovered_at         timestamptz,
  resolved_at          timestamptz,
  reviewed_at          timestamptz,
  closed_at            timestamptz,
  -- The incident commander / owner (a username).
  commander            text,
  -- Impact scope. Districts include those of the lots; none at all means city-wide.
  scope_description    text,
  scope_modules        text[] NOT NULL DEFAULT '{}',
  scope_districts      text[] NOT NULL DEFAULT '{}',
  scope_lots           text[] NOT NULL DEFAULT '{}',
  affected_users       integer CHECK (affected_users >= 0),
  affected_users_note  text,
  -- What restored and then fixed it (处理结果).
  resolution           text,
  root_cause           text,
  root_cause_category  text CHECK (root_cause_category IN
                         ('software', 'hardware', 'network', 'data_source', 'third_party', 'change', 'capacity', 'security', 'human', 'external', 'other')),
  close_note           text,
  created_by           text NOT NULL,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  CHECK (detected_at >= occurred_at),
  CHECK ((state = 'open') = (acknowledged_at IS NULL)),
  CHECK ((state IN ('open', 'acknowledged')) = (recovered_at IS NULL)),
  CHECK ((state IN ('resolved', 'reviewed', 'closed')) = (resolved_at IS NOT NULL)),
  CHECK ((state IN ('reviewed', 'closed')) = (reviewed_at IS NOT NULL)),
  CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
  CHECK (state NOT IN ('reviewed', 'closed') OR (root_cause IS NOT NULL AND root_cause_category IS NOT NULL))
);
CREATE INDEX incidents_occurred ON incidents (occurred_at DESC, id DESC);
CREATE INDEX incidents_not_closed ON incidents (state) WHERE state <> 'closed';
-- District users see incidents whose impact includes their district.
CREATE INDEX incidents_districts ON incidents USING gin (scope_districts);

-- The handling process (处理过程) and the change history: what happened (at) and when it was
-- written down (recorded_at), by whom. Append-only.
CREATE TABLE incident_timeline (
  id           bigserial PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents (id),
  at           timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL,
  actor        text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('created', 'note', 'transition', 'update', 'link', 'action', 'feedback')),
  from_state   text,
  to_state     text,
  text         text NOT NULL,
  detail       jsonb
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, at, id);

-- Monitoring alerts and work orders the incident is linked to, by their ids.
CREATE TABLE incident_links (
  id           bigserial PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents (id),
  kind         text NOT NULL CHECK (kind IN ('alert', 'ticket')),
  ref_id       text NOT NULL CHECK (length(ref_id) BETWEEN 1 AND 64),
  -- How the linked item read when linked (title, lot), for the ledger.
  label        text,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL,
  UNIQUE (incident_id, kind, ref_id)
);
CREATE INDEX incident_links_ref ON incident_links (kind, ref_id);

-- Follow-up actions (后续措施: BUG fix, change …), each with its own planned date (一事一议).
CREATE TABLE incident_actions (
  id               bigserial PRIMARY KEY,
  incident_id      bigint NOT NULL REFERENCES incidents (id),
  type             text NOT NULL CHECK (type IN ('bug_fix', 'change', 'other')),
  description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  owner            text NOT NULL,
  -- Shanghai date by which it is to be done.
  planned_date     date NOT NULL,
  state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'waived')),
  completed_at     timestamptz,
  completed_by     text,
  completion_note  text,
  waived_at        timestamptz,
  waived_by        text,
  waive_reason     text,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CHECK ((state = 'done') = (completed_at IS NOT NULL)),
  CHECK ((state = 'waived') = (waived_at IS NOT NULL AND waive_reason IS NOT NULL))
);
CREATE INDEX incident_actions_incident ON incident_actions (incident_id, id);
CREATE INDEX incident_actions_open ON incident_actions (planned_date) WHERE state = 'open';

-- Results told to the users (反馈情况): after recovery, after follow-up completion, or progress.
CREATE TABLE incident_feedback (
  id           bigserial PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents (id),
  given_at     timestamptz NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('phone', 'sms', 'wechat', 'email', 'notice', 'meeting', 'document', 'other')),
  recipient    text,
  note         text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
  -- The SLA kinds this feedback completed ('feedback', 'followup_feedback'); empty for a progress update.
  sla_kinds    text[] NOT NULL DEFAULT '{}',
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL
);
CREATE INDEX incident_feedback_incident ON incident_feedback (incident_id, given_at);
