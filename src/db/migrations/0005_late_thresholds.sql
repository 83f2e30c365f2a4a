-- How long a lot's data may be silent before it counts as late (monitoring, sync report).
-- The lot's own value wins, then its source's, then the platform default (ZHIBO_LATE_THRESHOLD_MINUTES, 120).
ALTER TABLE data_sources ADD COLUMN late_threshold_minutes integer CHECK (late_threshold_minutes BETWEEN 5 AND 10080);
ALTER TABLE lots ADD COLUMN late_threshold_minutes integer CHECK (late_threshold_minutes BETWEEN 5 AND 10080);
