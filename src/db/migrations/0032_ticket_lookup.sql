-- 工单 (modules/tickets): a citizen who lost the personal link asks for it again with the
-- ticket number and the phone given on the complaint; a phone code proves the phone.
-- See docs/公众服务接口.md (“凭工单号查询进度”).

-- One request for a code. A row is written whether or not the number and phone belong to a
-- ticket (ticket_id null: no code was sent), so the answer never tells which. Neither the code
-- nor the phone is stored: keyed hashes (HMAC under the platform key) only.
CREATE TABLE ticket_lookups (
  id            text PRIMARY KEY CHECK (char_length(id) BETWEEN 16 AND 64),
  ticket_id     bigint REFERENCES tickets (id) ON DELETE CASCADE,
  ticket_no     text NOT NULL,
  phone_hash    text NOT NULL,
  code_hash     text NOT NULL,
  ip            text,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  confirmed_at  timestamptz
);
CREATE INDEX ticket_lookups_phone ON ticket_lookups (phone_hash, created_at);
CREATE INDEX ticket_lookups_no ON ticket_lookups (ticket_no, created_at);
