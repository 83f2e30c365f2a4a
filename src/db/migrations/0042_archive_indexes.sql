-- Data lifecycle (issue 22 §3, docs/decisions/0032-archive-by-batched-delete.md): the nightly
-- archive reads a Shanghai month of ingest_events by occurred_at, an hour at a time. A BRIN index
-- (a few pages per million rows, almost free on insert: rows arrive roughly in occurred_at order)
-- finds those rows without a B-tree on the hottest insert path; the lot-first index
-- (lot_id, occurred_at) cannot serve a range over every lot.
CREATE INDEX ingest_events_occurred_brin ON ingest_events USING brin (occurred_at);

-- Resolved quarantine rows by when they were resolved (open rows are never archived).
CREATE INDEX ingest_quarantine_resolved ON ingest_quarantine (resolved_at) WHERE status <> 'open';
