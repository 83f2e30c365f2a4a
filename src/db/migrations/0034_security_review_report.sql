-- The permission review's report and its newer findings (docs/security-operations.md,
-- "Permission review"): 《用户权限审查报告》 .docx rendered once at sign-off and kept with the
-- frozen review (report_docx, report_generated_at); per account, what a finding is about
-- (finding_details: finding → text, e.g. the accounts created in one batch or the permissions the
-- role grants that were never used in the quarter).
ALTER TABLE security_reviews ADD COLUMN report_docx bytea;
ALTER TABLE security_reviews ADD COLUMN report_generated_at timestamptz;
ALTER TABLE security_review_items ADD COLUMN finding_details jsonb;
-- 《备份恢复测试报告》 .docx written beside the backup after each restore test (docs/security-operations.md,
-- "Scheduled backups"): its path, null when it could not be written.
ALTER TABLE security_backup_verifications ADD COLUMN report_file text;
