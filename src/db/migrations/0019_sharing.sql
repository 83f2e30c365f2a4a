-- 共享停车 (modules/sharing): owners offer idle spaces in weekly windows, citizens book by plate.
-- See docs/共享停车规则.md and docs/decisions/0013-sharing-no-overbooking.md.

-- The share_owner role (共享单位): scoped to its owner's lots through sharing_owner_users.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'bureau', 'district', 'ops', 'viewer', 'share_owner'));

-- An owner (共享单位): an office, a school, a hospital staff lot, a residential property company.
CREATE TABLE sharing_owners (
  id            serial PRIMARY KEY,
  code          text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  contact_name  text CHECK (char_length(contact_name) <= 50),
  contact_phone text CHECK (char_length(contact_phone) <= 30),
  status        text NOT NULL DEFAULT 'approved' CHECK (status IN ('pending', 'approved', 'disabled')),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  updated_by    text NOT NULL
);

-- The lots an owner shares from (a lot belongs to at most one owner).
CREATE TABLE sharing_owner_lots (
  lot_id    integer PRIMARY KEY REFERENCES lots (id) ON DELETE CASCADE,
  owner_id  integer NOT NULL REFERENCES sharing_owners (id) ON DELETE CASCADE
);
CREATE INDEX sharing_owner_lots_owner ON sharing_owner_lots (owner_id);

-- The share_owner accounts of an owner.
CREATE TABLE sharing_owner_users (
  username  text PRIMARY KEY,
  owner_id  integer NOT NULL REFERENCES sharing_owners (id) ON DELETE CASCADE
);

-- An offer (共享方案): spaces of one lot in weekly windows (Shanghai time; a window may cross midnight).
CREATE TABLE sharing_offers (
  id                      serial PRIMARY KEY,
  lot_id                  integer NOT NULL REFERENCES lots (id),
  owner_id                integer REFERENCES sharing_owners (id),
  name                    text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  spaces                  integer NOT NULL CHECK (spaces BETWEEN 1 AND 10000),
  windows                 jsonb NOT NULL,
  date_from               date,
  date_to                 date,
  exception_dates         jsonb NOT NULL DEFAULT '[]',
  price_fen_per_hour      integer CHECK (price_fen_per_hour >= 0),
  price_fen_per_booking   integer CHECK (price_fen_per_booking >= 0),
  overstay_fen_per_hour   integer CHECK (overstay_fen_per_hour >= 0),
  max_minutes             integer CHECK (max_minutes > 0),
  grace_minutes           integer NOT NULL DEFAULT 30 CHECK (grace_minutes BETWEEN 0 AND 240),
  cancel_cutoff_minutes   integer NOT NULL DEFAULT 30 CHECK (cancel_cutoff_minutes BETWEEN 0 AND 10080),
  new_energy_only         boolean NOT NULL DEFAULT false,
  status                  text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'paused', 'ended')),
  created_at              timestamptz NOT NULL,
  created_by              text NOT NULL,
  updated_at              timestamptz NOT NULL,
  approved_at             timestamptz,
  approved_by             text,
  ended_at                timestamptz,
  CHECK (date_to IS NULL OR date_from IS NULL OR date_to >= date_from)
);
CREATE INDEX sharing_offers_lot ON sharing_offers (lot_id);
CREATE INDEX sharing_offers_owner ON sharing_offers (owner_id);

-- A booking: one plate, one slot [start_at, end_at) inside one window occurrence of the offer.
-- The capacity rule (never more holding bookings at any instant than the offer's spaces) is
-- enforced under a row lock on the offer, in the booking's transaction (decision 0013).
CREATE TABLE sharing_bookings (
  id                 bigserial PRIMARY KEY,
  offer_id           integer NOT NULL REFERENCES sharing_offers (id),
  lot_id             integer NOT NULL,
  plate              text NOT NULL,
  plate_raw          text NOT NULL,
  phone              text NOT NULL,
  start_at           timestamptz NOT NULL,
  end_at             timestamptz NOT NULL,
  status             text NOT NULL CHECK (status IN ('booked', 'entered', 'completed', 'cancelled', 'cancelled_by_owner', 'no_show')),
  payment_state      text NOT NULL DEFAULT 'pay_at_exit' CHECK (payment_state IN ('free', 'pay_at_exit', 'unpaid', 'paid')),
  fee_fen            integer NOT NULL DEFAULT 0,
  cancel_code        text NOT NULL,
  entered_at         timestamptz,
  entry_event_id     text,
  exited_at          timestamptz,
  exit_event_id      text,
  session_id         bigint,
  overstay_minutes   integer NOT NULL DEFAULT 0,
  overstay_fee_fen   integer NOT NULL DEFAULT 0,
  cancelled_at       timestamptz,
  cancelled_by       text,
  cancel_reason      text,
  dispute_ticket_no  text,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  CHECK (end_at > start_at)
);
CREATE INDEX sharing_bookings_offer_time ON sharing_bookings (offer_id, start_at);
CREATE INDEX sharing_bookings_plate_time ON sharing_bookings (plate, start_at);
CREATE INDEX sharing_bookings_lot_plate ON sharing_bookings (lot_id, plate) WHERE status IN ('booked', 'entered', 'no_show');
CREATE INDEX sharing_bookings_due ON sharing_bookings (start_at) WHERE status = 'booked';

-- A plate suspended from booking (three no-shows in 30 days: 7 days).
CREATE TABLE sharing_suspensions (
  id         serial PRIMARY KEY,
  plate      text NOT NULL,
  from_at    timestamptz NOT NULL,
  until_at   timestamptz NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX sharing_suspensions_plate ON sharing_suspensions (plate, until_at);

-- A monthly statement the bureau confirmed: its figures as confirmed (later changes show as a difference).
CREATE TABLE sharing_statements (
  id                   serial PRIMARY KEY,
  owner_id             integer NOT NULL REFERENCES sharing_owners (id),
  month                text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  bookings             integer NOT NULL,
  used_hours           numeric(12, 2) NOT NULL,
  revenue_fen          integer NOT NULL,
  platform_share_pct   numeric(5, 2) NOT NULL,
  platform_share_fen   integer NOT NULL,
  owner_share_fen      integer NOT NULL,
  confirmed_at         timestamptz NOT NULL,
  confirmed_by         text NOT NULL,
  UNIQUE (owner_id, month)
);
