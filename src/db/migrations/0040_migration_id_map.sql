-- System migration (zhibo migrate-from, docs/系统迁移.md): which legacy row became which of ours.
-- One row per (migration source, legacy table, legacy id), written in the same transaction as the
-- row it maps where the owner allows (sessions, payments, tickets), else right after (lots and users
-- are taken over by code / username on a re-run). A re-run skips every legacy id found here, so
-- nothing is written twice and an interrupted run resumes.
CREATE TABLE migration_id_map (
  source       text NOT NULL,
  legacy_table text NOT NULL CHECK (legacy_table IN ('lots', 'users', 'sessions', 'payments', 'tickets')),
  legacy_id    text NOT NULL,
  target_id    bigint NOT NULL,
  imported_at  timestamptz NOT NULL,
  PRIMARY KEY (source, legacy_table, legacy_id)
);
CREATE INDEX migration_id_map_target ON migration_id_map (legacy_table, target_id);

-- Each run of the import or of the verification, with its counts (the report's header).
CREATE TABLE migration_runs (
  id          bigserial PRIMARY KEY,
  source      text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('import', 'verify')),
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  outcome     text CHECK (outcome IN ('done', 'failed', 'equal', 'differences')),
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX migration_runs_source ON migration_runs (source, started_at DESC);
