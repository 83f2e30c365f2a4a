-- County onboarding (县市区接入): parking resources not yet, or being, connected to the platform,
-- their progress, and when each registry lot first reported. Owned by modules/onboarding.

CREATE TABLE onboarding_entries (
  id              serial PRIMARY KEY,
  district_code   text NOT NULL REFERENCES districts (code),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  address         text,
  kind            text NOT NULL CHECK (kind IN ('off_street', 'on_street')),
  category        text NOT NULL DEFAULT 'other' CHECK (category IN
                    ('commercial', 'hospital', 'school', 'residential', 'office', 'scenic', 'transport', 'government', 'other')),
  known_spaces    integer NOT NULL DEFAULT 0 CHECK (known_spaces BETWEEN 0 AND 100000),
  operator_name   text,
  contact_name    text,
  contact_phone   text,
  key_area        boolean NOT NULL DEFAULT false,
  high_frequency  boolean NOT NULL DEFAULT false,
  stage           text NOT NULL DEFAULT 'not_started' CHECK (stage IN
                    ('not_started', 'contacting', 'docking', 'testing', 'connected', 'paused')),
  -- Shanghai date of the latest entry in the history (creation counts): stage changes may not predate it.
  stage_on        date NOT NULL,
  target_date     date,
  -- The registry lot this resource became (or will become); once it reports, the entry is connected.
  lot_code        text UNIQUE REFERENCES lots (code) ON UPDATE CASCADE,
  remark          text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  -- Import matches rows by district and name: one candidate list per district has each name once.
  UNIQUE (district_code, name)
);
CREATE INDEX onboarding_entries_stage ON onboarding_entries (stage, target_date);

-- Every stage change with its dated note; from_stage is null for the registration itself.
-- from_stage = to_stage is a progress note without a change of stage.
CREATE TABLE onboarding_stage_changes (
  id          serial PRIMARY KEY,
  entry_id    integer NOT NULL REFERENCES onboarding_entries (id) ON DELETE CASCADE,
  from_stage  text,
  to_stage    text NOT NULL,
  changed_on  date NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  note        text,
  system      boolean NOT NULL DEFAULT false
);
CREATE INDEX onboarding_stage_changes_entry ON onboarding_stage_changes (entry_id, changed_on, id);

-- When each registry lot first delivered data (its earliest received event), noted once by the
-- sync job: the "connected on" date of the quarterly list, and the lots connected by a past quarter's end.
CREATE TABLE onboarding_lot_first_data (
  lot_id        integer PRIMARY KEY,
  first_at      timestamptz NOT NULL
);
