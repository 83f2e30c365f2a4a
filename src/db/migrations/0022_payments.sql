-- 支付通道 (modules/payments): channels, verified channel transactions, refused notifications,
-- pay orders and reconciliation of the channels' bills. See docs/支付通道接入.md.

-- A merchant account at a channel. Key material (WeChat APIv3 key and platform public keys,
-- Alipay public key, the sandbox's own private key) is sealed with the platform key
-- (secrets_sealed, a SecretBox value of a JSON object); config holds what may be shown.
CREATE TABLE pay_channels (
  id              serial PRIMARY KEY,
  code            text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  kind            text NOT NULL CHECK (kind IN ('wechat', 'alipay', 'sandbox')),
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  config          jsonb NOT NULL,
  secrets_sealed  text NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  updated_by      text NOT NULL
);

-- What the platform asks citizens to pay: out_trade_no (order_no) → what is paid (kind, ref).
CREATE TABLE pay_orders (
  id            bigserial PRIMARY KEY,
  order_no      text NOT NULL UNIQUE CHECK (order_no ~ '^[A-Za-z0-9_*-]{6,32}$'),
  kind          text NOT NULL CHECK (kind IN ('arrears', 'booking', 'other')),
  ref           text NOT NULL CHECK (char_length(ref) BETWEEN 1 AND 100),
  amount_fen    bigint NOT NULL CHECK (amount_fen > 0),
  channel_code  text NOT NULL REFERENCES pay_channels (code),
  description   text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 127),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'refunded', 'closed')),
  created_at    timestamptz NOT NULL,
  created_by    text NOT NULL,
  paid_at       timestamptz,
  paid_fen      bigint,
  transaction_id text
);
CREATE INDEX pay_orders_ref ON pay_orders (kind, ref);

-- Verified channel transactions (payments and refunds), one per channel and channel id:
-- external_id is the transaction id of a payment, the refund id of a refund. A replayed
-- notification finds its row and changes nothing. order_id is null when out_trade_no names no
-- order of ours (unmatched: kept for reconciliation, money received is never dropped).
CREATE TABLE pay_transactions (
  id              bigserial PRIMARY KEY,
  channel_code    text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('payment', 'refund')),
  external_id     text NOT NULL,
  order_no        text NOT NULL,
  transaction_id  text NOT NULL,
  refund_no       text,
  amount_fen      bigint NOT NULL CHECK (amount_fen >= 0),
  currency        text NOT NULL DEFAULT 'CNY',
  occurred_at     timestamptz NOT NULL,
  order_id        bigint REFERENCES pay_orders (id),
  notify_id       text,
  detail          jsonb NOT NULL,
  received_at     timestamptz NOT NULL,
  UNIQUE (channel_code, kind, external_id)
);
CREATE INDEX pay_transactions_order_no ON pay_transactions (order_no);
CREATE INDEX pay_transactions_occurred ON pay_transactions (occurred_at);

-- Notifications that were refused (bad signature, wrong key, stale timestamp, unknown serial,
-- unknown channel, unreadable body): kept with why, never lost.
CREATE TABLE pay_quarantine (
  id            bigserial PRIMARY KEY,
  channel_code  text NOT NULL,
  received_at   timestamptz NOT NULL,
  reason        text NOT NULL,
  message       text NOT NULL,
  headers       jsonb NOT NULL,
  content_type  text,
  raw_body      text NOT NULL,
  ip            text
);
CREATE INDEX pay_quarantine_received ON pay_quarantine (received_at);

-- An imported bill file of a channel (对账单) for one day.
CREATE TABLE pay_recon_imports (
  id            bigserial PRIMARY KEY,
  channel_code  text NOT NULL REFERENCES pay_channels (code),
  bill_date     date NOT NULL,
  file_name     text NOT NULL,
  format        text NOT NULL CHECK (format IN ('wechat_trade_csv', 'alipay_statement_zip')),
  summary       jsonb NOT NULL,
  imported_at   timestamptz NOT NULL,
  imported_by   text NOT NULL,
  UNIQUE (channel_code, bill_date)
);

-- One line of a reconciliation: what matched and each difference, to be resolved by staff.
CREATE TABLE pay_recon_lines (
  id              bigserial PRIMARY KEY,
  import_id       bigint NOT NULL REFERENCES pay_recon_imports (id) ON DELETE CASCADE,
  -- matched; long 长款 (the channel has it, we do not); short 短款 (we have it, the channel does not);
  -- amount_mismatch; duplicate (the bill lists the same transaction again). kind: payment or refund.
  result          text NOT NULL CHECK (result IN ('matched', 'long', 'short', 'amount_mismatch', 'duplicate')),
  kind            text NOT NULL CHECK (kind IN ('payment', 'refund')),
  order_no        text,
  transaction_id  text,
  refund_no       text,
  bill_fen        bigint,
  ours_fen        bigint,
  occurred_at     timestamptz,
  status          text NOT NULL CHECK (status IN ('ok', 'open', 'resolved')),
  resolved_at     timestamptz,
  resolved_by     text,
  resolution      text
);
CREATE INDEX pay_recon_lines_import ON pay_recon_lines (import_id, result);
CREATE INDEX pay_recon_lines_open ON pay_recon_lines (status) WHERE status = 'open';
