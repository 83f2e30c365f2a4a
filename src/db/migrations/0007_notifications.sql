-- Notifications (通知): notices shown in the console, the external channels that relay them
-- (e-mail, WeCom and DingTalk group robots) and the outbox of deliveries to those channels.

CREATE TABLE notifications (
  id             bigserial PRIMARY KEY,
  kind           text NOT NULL,
  severity       text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title          text NOT NULL,
  body           text NOT NULL,
  link           text,
  district_code  text REFERENCES districts (code),
  created_at     timestamptz NOT NULL
);
CREATE INDEX notifications_created ON notifications (created_at);

-- One row per user who should see the notice, fixed when it is raised (audience and district
-- resolved then), carrying that user's read state.
CREATE TABLE notification_recipients (
  notification_id  bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  user_id          integer NOT NULL REFERENCES users (id),
  read_at          timestamptz,
  PRIMARY KEY (user_id, notification_id)
);
CREATE INDEX notification_recipients_unread ON notification_recipients (user_id) WHERE read_at IS NULL;
CREATE INDEX notification_recipients_notification ON notification_recipients (notification_id);

-- Secrets (SMTP password, webhook URL with its key, DingTalk signing secret) are sealed together
-- in `secrets_sealed` (platform SecretBox); `settings` holds only what may be shown.
CREATE TABLE notification_channels (
  id              serial PRIMARY KEY,
  name            text NOT NULL UNIQUE,
  type            text NOT NULL CHECK (type IN ('email', 'wecom', 'dingtalk')),
  enabled         boolean NOT NULL DEFAULT true,
  min_severity    text NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('info', 'warning', 'critical')),
  kinds           text[] NOT NULL DEFAULT '{}',
  district_code   text REFERENCES districts (code),
  settings        jsonb NOT NULL DEFAULT '{}',
  secrets_sealed  text NOT NULL,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);

-- The outbox: written with the notice in the caller's transaction, sent after commit by
-- `deliverPending`, which claims rows (claimed_until) so that two app nodes never send one twice.
CREATE TABLE notification_deliveries (
  id               bigserial PRIMARY KEY,
  notification_id  bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  channel_id       integer NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  claimed_until    timestamptz,
  claimed_by       text,
  last_error       text,
  last_attempt_at  timestamptz,
  sent_at          timestamptz,
  created_at       timestamptz NOT NULL,
  UNIQUE (notification_id, channel_id)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_channel ON notification_deliveries (channel_id, id);
