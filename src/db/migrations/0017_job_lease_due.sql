-- The scheduled instant (cron tick) a job last ran for. Every app node's timer fires at each
-- tick; the node that takes the lease for a tick records it here, and a node whose timer fires
-- later for the same tick (after the first one finished and freed the lease) finds it taken
-- and skips (src/platform/jobs.ts). NULL: rows of runs outside the schedule.
ALTER TABLE job_leases ADD COLUMN last_due_at timestamptz;
