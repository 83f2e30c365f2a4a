-- Sign-in security for a 等保 2.0 level-3 assessment (issue 22 §8; docs/等保自查.md,
-- decision 0023): captchas after failed sign-ins, TOTP second factor with recovery codes,
-- password history, server-side idle expiry of tokens, and an audit log no statement can empty.

-- A captcha shown on the login page after failed sign-ins: the answer is kept only as a hash, a
-- challenge is good once (deleted when tried) and for a few minutes (expired ones are pruned).
CREATE TABLE login_captchas (
  id          text PRIMARY KEY,
  answer_hash text NOT NULL,
  ip          text NOT NULL DEFAULT '',
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX login_captchas_expires ON login_captchas (expires_at);

-- A user's TOTP (RFC 6238) secret, sealed under the platform key (src/platform/secret-box.ts).
-- enabled_at null: enrolment started, not confirmed yet. last_step: the last time step accepted,
-- so a code is never accepted twice.
CREATE TABLE user_totp (
  user_id    integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret     text NOT NULL,
  enabled_at timestamptz,
  last_step  integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL
);

-- One-time recovery codes, stored as SHA-256 hashes; used_at set when spent.
CREATE TABLE user_recovery_codes (
  id        bigserial PRIMARY KEY,
  user_id   integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at   timestamptz
);
CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id);

-- Earlier password hashes (scrypt), newest first per user: a new password may not repeat the
-- last ZHIBO_PASSWORD_HISTORY ones.
CREATE TABLE password_history (
  id            bigserial PRIMARY KEY,
  user_id       integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  password_hash text NOT NULL,
  changed_at    timestamptz NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

-- When a token was last used: a token idle for ZHIBO_SESSION_IDLE_MINUTES is refused.
ALTER TABLE auth_tokens ADD COLUMN last_used_at timestamptz;
UPDATE auth_tokens SET last_used_at = created_at;

-- The audit log refused UPDATE and DELETE row by row since 0001; TRUNCATE bypasses row
-- triggers, so a statement trigger refuses it too.
CREATE FUNCTION audit_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate();
