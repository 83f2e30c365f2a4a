-- The platform alert on the HTTP 5xx rate (modules/health, docs/巡检与报告.md §3): health_alerts
-- gains the kind 'error_rate' (subject 'http'), next to the backup kinds of migration 0028.
-- Owned by modules/health.
ALTER TABLE health_alerts DROP CONSTRAINT health_alerts_kind_check;
ALTER TABLE health_alerts ADD CONSTRAINT health_alerts_kind_check CHECK (kind IN ('job_failing', 'job_stalled', 'error_rate', 'backup_failed', 'backup_verify_failed'));
