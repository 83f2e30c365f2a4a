-- The monthly sync report (modules/reports) counts each lot's events of a month and its late
-- deliveries (received_at − occurred_at). With received_at carried in the (lot_id, occurred_at)
-- index those counts are index-only scans instead of a heap visit per event (a month of 300 lots
-- is millions of rows). Same key as before under the same name, so every query that used the
-- old index still does; it replaces it rather than doubling the index work on every insert.
DROP INDEX ingest_events_lot_time;
CREATE INDEX ingest_events_lot_time ON ingest_events (lot_id, occurred_at) INCLUDE (received_at);
