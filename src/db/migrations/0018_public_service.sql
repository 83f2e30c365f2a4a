-- 公众服务 (modules/public): what the public pages show beyond the registry, and guidance-sign groups.
-- See docs/公众服务接口.md.

-- Per-lot settings for the public. A lot without a row is public, with nothing extra known.
CREATE TABLE public_lot_settings (
  lot_id           integer PRIMARY KEY REFERENCES lots (id) ON DELETE CASCADE,
  hidden           boolean NOT NULL DEFAULT false,
  opening_hours    text CHECK (char_length(opening_hours) <= 200),
  charging_spaces  integer CHECK (charging_spaces >= 0),
  updated_at       timestamptz NOT NULL,
  updated_by       text NOT NULL
);

-- A group of lots behind one guidance sign (诱导屏): the sign shows their free spaces summed.
CREATE TABLE public_sign_groups (
  id          serial PRIMARY KEY,
  code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  updated_by  text NOT NULL
);

CREATE TABLE public_sign_group_lots (
  group_id  integer NOT NULL REFERENCES public_sign_groups (id) ON DELETE CASCADE,
  lot_id    integer NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
  position  integer NOT NULL,
  PRIMARY KEY (group_id, lot_id)
);
CREATE INDEX public_sign_group_lots_lot ON public_sign_group_lots (lot_id);
