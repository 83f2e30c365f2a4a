-- Parking records are listed and paged by coalesce(entered_at, exited_at) desc, id desc.
CREATE INDEX parking_sessions_time ON parking_sessions ((coalesce(entered_at, exited_at)) DESC NULLS LAST, id DESC);
