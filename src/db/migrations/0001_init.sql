-- Platform foundation: districts (the registry's, needed by users), accounts, tokens, audit.

CREATE TABLE districts (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
  name        text NOT NULL,
  name_en     text,
  kind        text NOT NULL DEFAULT 'district' CHECK (kind IN ('district', 'county', 'county_city', 'zone')),
  sort_order  integer NOT NULL DEFAULT 100,
  created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO districts (code, name, name_en, kind, sort_order) VALUES
  ('320602', '崇川区', 'Chongchuan', 'district', 1),
  ('320612', '通州区', 'Tongzhou', 'district', 2),
  ('320614', '海门区', 'Haimen', 'district', 3),
  ('320623', '如东县', 'Rudong', 'county', 4),
  ('320681', '启东市', 'Qidong', 'county_city', 5),
  ('320682', '如皋市', 'Rugao', 'county_city', 6),
  ('320685', '海安市', 'Hai''an', 'county_city', 7);

CREATE TABLE users (
  id             serial PRIMARY KEY,
  username       text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
  display_name   text,
  password_hash  text NOT NULL,
  role           text NOT NULL CHECK (role IN ('admin', 'bureau', 'district', 'ops', 'viewer')),
  district_code  text REFERENCES districts (code),
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  failed_logins  integer NOT NULL DEFAULT 0,
  locked_until   timestamptz,
  last_login_at  timestamptz,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'district') = (district_code IS NOT NULL))
);

CREATE TABLE auth_tokens (
  id          serial PRIMARY KEY,
  token_hash  text NOT NULL UNIQUE,
  user_id     integer NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  ip          text,
  user_agent  text
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

-- Append-only, hash-chained. Rows are written by platform/audit.ts only.
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text NOT NULL,
  actor_role   text,
  action       text NOT NULL,
  target_type  text,
  target_id    text,
  ip           text,
  outcome      text NOT NULL DEFAULT 'ok',
  detail       jsonb,
  prev_hash    text NOT NULL,
  hash         text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Leases let two app nodes share one database without running a job twice.
CREATE TABLE job_leases (
  name         text PRIMARY KEY,
  holder       text NOT NULL,
  leased_until timestamptz NOT NULL
);
