-- The arrears ledger reads the sessions that left arrears (docs/指标口径.md, 欠费追缴): a partial
-- index over them keeps the ledger and the citizen's view from scanning every session.
CREATE INDEX parking_sessions_arrears ON parking_sessions (plate, exited_at)
  WHERE state = 'closed' AND excluded_by IS NULL AND receivable_fen > coalesce(paid_fen, 0);
