-- Issue 21 §2: revenue paid through the platform's channels in analytics, and refunds that
-- reopen arrears (docs/指标口径.md "渠道收款与对账", "欠费追缴"; decision 0034).

-- Which lots a pay order pays for, and how much of it each: the owner of what is paid states it
-- when it creates the order (arrears: the bill's sessions summed per lot). The lot's district is
-- kept as it was then, so that the channel revenue is district-scoped in the payments module's
-- own data. Sum of fen = the order's amount.
CREATE TABLE pay_order_lots (
  order_id       bigint NOT NULL REFERENCES pay_orders (id),
  lot_code       text NOT NULL,
  district_code  text NOT NULL,
  fen            bigint NOT NULL CHECK (fen > 0),
  PRIMARY KEY (order_id, lot_code)
);
CREATE INDEX pay_order_lots_district ON pay_order_lots (district_code, lot_code);
CREATE INDEX pay_transactions_order ON pay_transactions (order_id) WHERE order_id IS NOT NULL;

-- The key a reconciliation line was matched by (pay_transactions.external_id: the transaction
-- id of a payment, the channel's refund id of a refund), so that "reconciled" is a join. Lines
-- stored before this migration: payments get their transaction id, Alipay refunds their
-- trade_no:out_biz_no; WeChat refunds stay null until their day is imported again (replace=true).
ALTER TABLE pay_recon_lines ADD COLUMN key text;
UPDATE pay_recon_lines SET key = transaction_id WHERE kind = 'payment';
UPDATE pay_recon_lines l SET key = l.transaction_id || ':' || l.refund_no
  FROM pay_recon_imports i WHERE i.id = l.import_id AND l.kind = 'refund' AND i.format = 'alipay_statement_zip' AND l.refund_no IS NOT NULL;
CREATE INDEX pay_recon_lines_key ON pay_recon_lines (key, kind) WHERE result = 'matched';

-- Settlements become a log: a session may be settled, refunded (the refunded part reopens its
-- arrears) and settled again. A refund row names the bill whose payment was refunded and the
-- channel's refund (channel code + refund id), once per session.
ALTER TABLE arrears_settlements DROP CONSTRAINT arrears_settlements_pkey;
ALTER TABLE arrears_settlements ADD COLUMN id bigserial PRIMARY KEY;
ALTER TABLE arrears_settlements ADD COLUMN refund_key text;
ALTER TABLE arrears_settlements DROP CONSTRAINT arrears_settlements_kind_check;
ALTER TABLE arrears_settlements ADD CONSTRAINT arrears_settlements_kind_check CHECK (kind IN ('paid', 'written_off', 'refunded'));
ALTER TABLE arrears_settlements DROP CONSTRAINT arrears_settlements_check;
ALTER TABLE arrears_settlements ADD CONSTRAINT arrears_settlements_check CHECK (
  (kind IN ('paid', 'refunded')) = (bill_id IS NOT NULL)
  AND (kind = 'written_off') = (writeoff_id IS NOT NULL)
  AND (kind = 'refunded') = (refund_key IS NOT NULL));
CREATE INDEX arrears_settlements_session ON arrears_settlements (session_id);
CREATE UNIQUE INDEX arrears_settlements_refund ON arrears_settlements (refund_key, session_id) WHERE kind = 'refunded';
