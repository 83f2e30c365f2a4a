-- 欠费追缴 (modules/arrears, docs/用户手册.md 第 24 章): the arrears ledger is computed from the
-- parking sessions (closed, not set aside, receivable above paid); these tables hold what the
-- platform does about them — citizens' bills paid through the channels, settlements (paid or
-- written off), write-off requests with a second person's approval, and the escalation settings.

-- A citizen's bill: the outstanding sessions of one plate at the time, paid by one pay order
-- (pay_orders.kind = 'arrears', ref = bill_no). Its items fix which sessions and how much.
CREATE TABLE arrears_bills (
  id            bigserial PRIMARY KEY,
  bill_no       text NOT NULL UNIQUE,
  plate         text NOT NULL,
  amount_fen    bigint NOT NULL CHECK (amount_fen > 0),
  order_no      text NOT NULL UNIQUE,
  channel_code  text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid')),
  created_at    timestamptz NOT NULL,
  created_by    text NOT NULL,
  paid_at       timestamptz,
  transaction_id text
);
CREATE INDEX arrears_bills_plate ON arrears_bills (plate, created_at DESC);

CREATE TABLE arrears_bill_items (
  bill_id     bigint NOT NULL REFERENCES arrears_bills (id),
  session_id  bigint NOT NULL,
  fen         bigint NOT NULL CHECK (fen > 0),
  PRIMARY KEY (bill_id, session_id)
);

-- A write-off request: one plate's sessions, requested by one user, approved or rejected by
-- another (two-person rule, checked in the service and here).
CREATE TABLE arrears_writeoffs (
  id            bigserial PRIMARY KEY,
  plate         text NOT NULL,
  session_ids   jsonb NOT NULL,
  amount_fen    bigint NOT NULL CHECK (amount_fen > 0),
  reason        text NOT NULL CHECK (char_length(reason) BETWEEN 2 AND 500),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_by  text NOT NULL,
  requested_at  timestamptz NOT NULL,
  decided_by    text,
  decided_at    timestamptz,
  decision_note text,
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX arrears_writeoffs_status ON arrears_writeoffs (status, requested_at DESC);

-- A session's arrears settled once: paid through a bill, or written off. A settled session
-- leaves the ledger.
CREATE TABLE arrears_settlements (
  session_id   bigint PRIMARY KEY,
  plate        text NOT NULL,
  fen          bigint NOT NULL CHECK (fen > 0),
  kind         text NOT NULL CHECK (kind IN ('paid', 'written_off')),
  bill_id      bigint REFERENCES arrears_bills (id),
  writeoff_id  bigint REFERENCES arrears_writeoffs (id),
  settled_at   timestamptz NOT NULL,
  settled_by   text NOT NULL,
  CHECK ((kind = 'paid') = (bill_id IS NOT NULL) AND (kind = 'written_off') = (writeoff_id IS NOT NULL))
);
CREATE INDEX arrears_settlements_time ON arrears_settlements (kind, settled_at);

-- Escalation (one row): listed for enforcement after N days or from an amount; the entry
-- refusal list for the participating lot systems (their source codes); the channel citizens pay with.
CREATE TABLE arrears_settings (
  id                  int PRIMARY KEY CHECK (id = 1),
  enforce_after_days  int CHECK (enforce_after_days BETWEEN 1 AND 3650),
  enforce_above_fen   bigint CHECK (enforce_above_fen > 0),
  refusal_enabled     boolean NOT NULL DEFAULT false,
  refusal_sources     jsonb NOT NULL DEFAULT '[]',
  channel_code        text NOT NULL DEFAULT 'SANDBOX',
  updated_at          timestamptz NOT NULL,
  updated_by          text NOT NULL
);
INSERT INTO arrears_settings (id, enforce_after_days, enforce_above_fen, updated_at, updated_by) VALUES (1, 30, 20000, now(), 'migration');
