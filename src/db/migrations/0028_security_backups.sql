-- The server's own backups and their restore tests (docs/security-operations.md, "Scheduled
-- backups"): every backup the server made (scheduled or "backup now"), with its file, size,
-- checksum and outcome; every verification (a restore into a scratch database compared with the
-- manifest). Rows stay after retention deletes a file (pruned_at): the record is what the
-- bureau audits.
CREATE TABLE security_backups (
  id              bigserial PRIMARY KEY,
  trigger         text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
  requested_by    text NOT NULL,
  node            text NOT NULL,
  started_at      timestamptz NOT NULL,
  finished_at     timestamptz,
  state           text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'ok', 'failed')),
  phase           text,
  file_path       text,
  bytes           bigint,
  sha256          text,
  kind            text,
  schema_version  text,
  table_count     integer,
  total_rows      bigint,
  encrypted       boolean NOT NULL DEFAULT false,
  duration_ms     integer,
  manifest        jsonb,
  error           text,
  pruned_at       timestamptz,
  CHECK ((state = 'running') = (finished_at IS NULL))
);
CREATE INDEX security_backups_started ON security_backups (started_at DESC, id DESC);

CREATE TABLE security_backup_verifications (
  id              bigserial PRIMARY KEY,
  backup_id       bigint NOT NULL REFERENCES security_backups (id),
  trigger         text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
  requested_by    text NOT NULL,
  started_at      timestamptz NOT NULL,
  finished_at     timestamptz,
  state           text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'ok', 'failed')),
  phase           text,
  restored_into   text,
  restore_ms      integer,
  report          jsonb,
  error           text,
  CHECK ((state = 'running') = (finished_at IS NULL))
);
CREATE INDEX security_backup_verifications_backup ON security_backup_verifications (backup_id, started_at DESC);
CREATE INDEX security_backup_verifications_started ON security_backup_verifications (started_at DESC, id DESC);

-- Platform alerts (health module, migration 0023) also come from the backup job: a failed backup
-- and a failed restore test are raised there and escalate to an incident as the job alerts do.
ALTER TABLE health_alerts DROP CONSTRAINT health_alerts_kind_check;
ALTER TABLE health_alerts ADD CONSTRAINT health_alerts_kind_check CHECK (kind IN ('job_failing', 'job_stalled', 'backup_failed', 'backup_verify_failed'));
