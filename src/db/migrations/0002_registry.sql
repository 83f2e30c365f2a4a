-- Resource registry (数据资源): operators, data sources, lots, berths. Owned by modules/registry.

CREATE TABLE operators (
  id             serial PRIMARY KEY,
  name           text NOT NULL UNIQUE,
  credit_code    text,
  contact_name   text,
  contact_phone  text,
  contact_email  text,
  address        text,
  remark         text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_sources (
  code               text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name               text NOT NULL,
  operator_id        integer REFERENCES operators (id),
  vendor             text,
  district_code      text REFERENCES districts (code),
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  -- AES-256-GCM under the platform key: HMAC verification needs the secret itself.
  secret_encrypted   text NOT NULL,
  secret_rotated_at  timestamptz NOT NULL DEFAULT now(),
  remark             text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lots (
  id              serial PRIMARY KEY,
  code            text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name            text NOT NULL,
  district_code   text NOT NULL REFERENCES districts (code),
  kind            text NOT NULL CHECK (kind IN ('off_street', 'on_street')),
  category        text NOT NULL DEFAULT 'other' CHECK (category IN
                    ('commercial', 'hospital', 'school', 'residential', 'office', 'scenic', 'transport', 'government', 'other')),
  total_spaces    integer NOT NULL CHECK (total_spaces >= 0),
  address         text,
  -- Stored in GCJ-02 (the system of Chinese maps); input_coord_system says what was sent.
  lng             double precision CHECK (lng BETWEEN -180 AND 180),
  lat             double precision CHECK (lat BETWEEN -90 AND 90),
  input_coord_system text NOT NULL DEFAULT 'gcj02' CHECK (input_coord_system IN ('gcj02', 'wgs84', 'bd09')),
  source_code     text REFERENCES data_sources (code),
  operator_id     integer REFERENCES operators (id),
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  remark          text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lots_district ON lots (district_code);
CREATE INDEX lots_source ON lots (source_code);

CREATE TABLE berths (
  id          serial PRIMARY KEY,
  lot_id      integer NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
  code        text NOT NULL,
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  lng         double precision,
  lat         double precision,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (lot_id, code)
);
