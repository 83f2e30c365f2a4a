-- Sign-in failures per (username, client address), owned by accounts (docs/architecture.md).
-- A pair is locked after ZHIBO_LOGIN_MAX_FAILURES wrong passwords in a row; the account itself
-- (users.failed_logins, users.locked_until) after ZHIBO_LOGIN_ACCOUNT_MAX_FAILURES. Rows exist for
-- unknown usernames too, so that they behave like known ones. Updated only by single atomic
-- statements (INSERT … ON CONFLICT DO UPDATE … RETURNING); stale rows are pruned nightly.
CREATE TABLE login_failures (
  username      text NOT NULL,
  ip            text NOT NULL,
  -- wrong passwords in the current run; attempts during a lock keep counting
  failures      integer NOT NULL CHECK (failures > 0),
  locked_until  timestamptz,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (username, ip)
);
CREATE INDEX login_failures_updated ON login_failures (updated_at);
