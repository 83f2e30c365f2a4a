-- The citizen's personal link to a work order (市民投诉 H5, /h5/t/<token>): no account, the
-- token is the key. Only its SHA-256 is kept, so nobody (staff included) can read a link back;
-- staff who need to send it again regenerate it, which replaces the old one (audited).
CREATE TABLE ticket_citizen_links (
  ticket_id   bigint PRIMARY KEY REFERENCES tickets (id),
  token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL
);
