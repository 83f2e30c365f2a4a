-- 市域专题 (modules/themes): the city's own groupings of lots with their measures and alerts.
-- See docs/市域专题接口.md and docs/指标口径.md section 5.

-- A theme and the rules that make up its membership (explicit lots, lots within a radius of
-- GCJ-02 points, lots of some categories in some districts). district_code: the district of the
-- district user who made it (only they and city-wide users see it); null for city themes.
CREATE TABLE themes (
  id               serial PRIMARY KEY,
  code             text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  kind             text NOT NULL CHECK (kind IN ('hospital', 'school', 'scenic', 'transport', 'commercial', 'residential', 'event', 'custom')),
  district_code    text REFERENCES districts (code),
  points           jsonb NOT NULL DEFAULT '[]',
  categories       jsonb NOT NULL DEFAULT '[]',
  district_codes   jsonb NOT NULL DEFAULT '[]',
  event_from       date,
  event_to         date,
  frozen           boolean NOT NULL DEFAULT false,
  alert_threshold  double precision NOT NULL DEFAULT 0.9 CHECK (alert_threshold > 0 AND alert_threshold <= 1),
  alert_minutes    integer NOT NULL DEFAULT 30 CHECK (alert_minutes BETWEEN 1 AND 1440),
  alert_enabled    boolean NOT NULL DEFAULT true,
  -- Shown to citizens (GET /api/v1/public/themes/{code}) with its members' live availability.
  published        boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL,
  created_by       text NOT NULL,
  updated_at       timestamptz NOT NULL,
  updated_by       text NOT NULL,
  CHECK (event_to IS NULL OR event_from IS NULL OR event_to >= event_from)
);

-- Lots named explicitly.
CREATE TABLE theme_lots (
  theme_id  integer NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
  lot_id    integer NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
  PRIMARY KEY (theme_id, lot_id)
);

-- The resolved membership: kept current from the rules while the theme is not frozen, kept as
-- it was while frozen. via: 'lot' | 'point' | 'category' (the first rule that took the lot in).
CREATE TABLE theme_members (
  theme_id  integer NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
  lot_id    integer NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
  via       text NOT NULL CHECK (via IN ('lot', 'point', 'category')),
  PRIMARY KEY (theme_id, lot_id)
);
CREATE INDEX theme_members_lot ON theme_members (lot_id);

-- Saturation episodes of a theme (occupancy ≥ alert_threshold for ≥ alert_minutes): one
-- notice when an episode is confirmed, one when it ends.
CREATE TABLE theme_alert_state (
  theme_id      integer PRIMARY KEY REFERENCES themes (id) ON DELETE CASCADE,
  above_since   timestamptz,
  episode_id    integer,
  evaluated_at  timestamptz NOT NULL
);

CREATE TABLE theme_alert_episodes (
  id            serial PRIMARY KEY,
  theme_id      integer NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
  started_at    timestamptz NOT NULL,
  notified_at   timestamptz,
  ended_at      timestamptz,
  peak          double precision NOT NULL,
  silenced      boolean NOT NULL DEFAULT false
);
CREATE INDEX theme_alert_episodes_theme ON theme_alert_episodes (theme_id, started_at);
