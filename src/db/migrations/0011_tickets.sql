-- Work orders (工单, modules/tickets): citizen complaints from 12345, WeChat, Alipay and other
-- channels, handled in a closed loop (resolved → result fed back → citizen confirms). SLA clocks
-- live in sla_items (subject_type 'ticket'); this module owns only the tables below.

-- Handling teams (处理组): a short list kept by ops; a ticket may be queued to a team, a person, or both.
CREATE TABLE ticket_teams (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ticket_teams (code, name) VALUES
  ('ops_onsite', '运维驻场组'),
  ('billing', '收费核查组'),
  ('data', '数据核查组'),
  ('customer_service', '客服回访组');

-- Systems that push tickets through the signed inbound API (the 12345 platform, mini-programs).
-- The signing secret is sealed (HMAC needs it back); status callbacks go to callback_url,
-- signed with the same secret.
CREATE TABLE ticket_channel_clients (
  code               text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  channel            text NOT NULL CHECK (channel IN ('hotline_12345', 'wechat', 'alipay', 'phone', 'web', 'onsite')),
  secret_sealed      text NOT NULL,
  secret_rotated_at  timestamptz NOT NULL,
  callback_url       text CHECK (callback_url ~ '^https?://'),
  enabled            boolean NOT NULL DEFAULT true,
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);

CREATE TABLE tickets (
  id                 bigserial PRIMARY KEY,
  no                 text NOT NULL UNIQUE,
  channel            text NOT NULL CHECK (channel IN ('hotline_12345', 'wechat', 'alipay', 'phone', 'web', 'onsite')),
  external_no        text CHECK (length(external_no) BETWEEN 1 AND 64),
  client_code        text REFERENCES ticket_channel_clients (code),
  category           text NOT NULL CHECK (category IN ('fee_dispute', 'wrong_charge', 'plate_misread', 'payment_failure', 'refund',
                       'lot_info_wrong', 'availability_wrong', 'facility_fault', 'service_attitude', 'suggestion', 'other')),
  priority           text NOT NULL CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
  title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description        text NOT NULL CHECK (length(description) <= 5000),
  citizen_name       text,
  citizen_phone      text,
  lot_code           text,
  plate              text,
  plate_raw          text,
  session_id         bigint,
  district_code      text REFERENCES districts (code),
  state              text NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'assigned', 'in_progress', 'waiting_citizen', 'resolved',
                       'feedback_given', 'confirmed', 'closed', 'reopened', 'cancelled')),
  assignee           text,
  team_code          text REFERENCES ticket_teams (code),
  resolution         text,
  cancel_reason      text,
  merged_into        bigint REFERENCES tickets (id),
  reopen_count       integer NOT NULL DEFAULT 0,
  -- Any resolution clock of the ticket completed after its due time (on-time rate).
  resolution_late    boolean NOT NULL DEFAULT false,
  first_response_at  timestamptz,
  first_resolved_at  timestamptz,
  resolved_at        timestamptz,
  feedback_at        timestamptz,
  confirmed_at       timestamptz,
  closed_at          timestamptz,
  cancelled_at       timestamptz,
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  -- The same external number from the same channel is the same ticket (NULLs never collide).
  UNIQUE (channel, external_no),
  CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_district_created ON tickets (district_code, created_at);
CREATE INDEX tickets_state ON tickets (state);
CREATE INDEX tickets_assignee ON tickets (assignee) WHERE assignee IS NOT NULL;
CREATE INDEX tickets_merged_into ON tickets (merged_into) WHERE merged_into IS NOT NULL;

-- Every change: who, when, and what (a transition, a field from → to, a merge, an attachment).
CREATE TABLE ticket_events (
  id          bigserial PRIMARY KEY,
  ticket_id   bigint NOT NULL REFERENCES tickets (id),
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('created', 'transition', 'field', 'merge', 'merged_into', 'attachment', 'citizen')),
  from_state  text,
  to_state    text,
  field       text,
  old_value   text,
  new_value   text,
  note        text
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- Public replies reach the citizen (and the originating channel); internal notes stay with staff.
CREATE TABLE ticket_comments (
  id          bigserial PRIMARY KEY,
  ticket_id   bigint NOT NULL REFERENCES tickets (id),
  visibility  text NOT NULL CHECK (visibility IN ('public', 'internal')),
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  author      text NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id);

CREATE TABLE ticket_attachments (
  id            bigserial PRIMARY KEY,
  ticket_id     bigint NOT NULL REFERENCES tickets (id),
  file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  content_type  text NOT NULL,
  size_bytes    integer NOT NULL CHECK (size_bytes BETWEEN 0 AND 10485760),
  sha256        text NOT NULL,
  content       bytea NOT NULL,
  uploaded_by   text NOT NULL,
  created_at    timestamptz NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, id);

-- Inbound requests from an authenticated client that were refused, kept whole with why.
CREATE TABLE ticket_inbound_rejects (
  id           bigserial PRIMARY KEY,
  client_code  text NOT NULL,
  received_at  timestamptz NOT NULL,
  raw_body     bytea NOT NULL,
  code         text NOT NULL,
  message      text NOT NULL
);
CREATE INDEX ticket_inbound_rejects_received ON ticket_inbound_rejects (received_at);

-- The outbox of status callbacks to the originating channel: written with the change in its
-- transaction, sent after commit by a job that claims rows (claimed_until) so that two app
-- nodes never send one twice; a ticket's callbacks go out in order.
CREATE TABLE ticket_callbacks (
  id                bigserial PRIMARY KEY,
  ticket_id         bigint NOT NULL REFERENCES tickets (id),
  client_code       text NOT NULL REFERENCES ticket_channel_clients (code),
  event             text NOT NULL,
  payload           text NOT NULL,
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL,
  claimed_until     timestamptz,
  claimed_by        text,
  last_error        text,
  last_http_status  integer,
  last_attempt_at   timestamptz,
  sent_at           timestamptz,
  created_at        timestamptz NOT NULL
);
CREATE INDEX ticket_callbacks_due ON ticket_callbacks (next_attempt_at) WHERE status = 'pending';
CREATE INDEX ticket_callbacks_ticket ON ticket_callbacks (ticket_id, id);
CREATE INDEX ticket_callbacks_client ON ticket_callbacks (client_code, id);
