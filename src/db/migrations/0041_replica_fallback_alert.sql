-- Reads fall back from the read replica to the primary (docs/decisions/0031-read-replica.md): the
-- platform alert 'replica_fallback' (subject: the replica's host:port/database), next to the kinds
-- of migrations 0028 and 0029.
ALTER TABLE health_alerts DROP CONSTRAINT health_alerts_kind_check;
ALTER TABLE health_alerts ADD CONSTRAINT health_alerts_kind_check CHECK (kind IN ('job_failing', 'job_stalled', 'error_rate', 'backup_failed', 'backup_verify_failed', 'replica_fallback'));
