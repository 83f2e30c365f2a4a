-- 公众服务 (modules/public): citizen verification for "my parking and arrears", and announcements.
-- See docs/公众服务接口.md (“我的停车与欠费”, “公告”).

-- A phone code sent to prove a plate. Neither the code nor the phone is stored: only keyed hashes
-- (HMAC under the platform key), so a database reader cannot replay a code or list phones.
CREATE TABLE public_verifications (
  id            text PRIMARY KEY CHECK (char_length(id) BETWEEN 16 AND 64),
  plate         text NOT NULL,
  phone_hash    text NOT NULL,
  phone_masked  text NOT NULL,
  code_hash     text NOT NULL,
  ip            text,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  confirmed_at  timestamptz,
  sent          boolean NOT NULL DEFAULT false,
  send_error    text
);
CREATE INDEX public_verifications_plate ON public_verifications (plate, created_at);
CREATE INDEX public_verifications_phone ON public_verifications (phone_hash, created_at);
CREATE INDEX public_verifications_created ON public_verifications (created_at);

-- A short-lived citizen token, issued on a confirmed code: the hash only, never the token.
CREATE TABLE public_citizen_tokens (
  token_hash       text PRIMARY KEY,
  verification_id  text NOT NULL REFERENCES public_verifications (id) ON DELETE CASCADE,
  plate            text NOT NULL,
  created_at       timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL
);
CREATE INDEX public_citizen_tokens_expires ON public_citizen_tokens (expires_at);

-- 公告: closures, holiday traffic, new lots. Shown on the H5 home and in the API between starts_at and ends_at.
CREATE TABLE public_announcements (
  id          serial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('notice', 'closure', 'holiday', 'new_lot')),
  title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
  body        text NOT NULL CHECK (char_length(body) <= 2000),
  district_code text,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  updated_by  text NOT NULL,
  CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX public_announcements_window ON public_announcements (starts_at, ends_at);

-- Every verification attempt and public query counted per day, for the console's usage figures.
CREATE TABLE public_usage_daily (
  day     date NOT NULL,
  metric  text NOT NULL CHECK (char_length(metric) BETWEEN 1 AND 64),
  key     text NOT NULL DEFAULT '',
  count   integer NOT NULL DEFAULT 0,
  PRIMARY KEY (day, metric, key)
);
