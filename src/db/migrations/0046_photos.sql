-- Records with photos (issue 15 §6; docs/decisions/0036-photo-store.md). The entry and exit
-- snapshots (抓拍) of a parking session: a reference as the event carried it — `photo:<sha256>`
-- for an image uploaded into the platform's file store, or an external https URL. Nullable
-- columns without a default: adding them rewrites nothing.
ALTER TABLE parking_sessions ADD COLUMN entry_photo text, ADD COLUMN exit_photo text;

-- The file store's index (owned by modules/ingest): one row per stored image, named by the
-- SHA-256 of its bytes. The file itself lives under the photo directory
-- (`<dir>/<first two hex>/<sha256>`); stored_at is the last upload of those bytes, which the
-- retention job counts from.
CREATE TABLE ingest_photos (
  sha256        text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  source_code   text NOT NULL,
  content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
  bytes         integer NOT NULL,
  stored_at     timestamptz NOT NULL
);
CREATE INDEX ingest_photos_stored_at ON ingest_photos (stored_at);
