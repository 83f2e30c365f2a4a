-- 市域专题 rollup (modules/themes, docs/decisions/0019-theme-lot-hour-rollup.md): per lot and
-- Shanghai hour, the sums the theme measures are made of (docs/指标口径.md section 5), computed
-- from the raw status reports by the same code as the exact raw path (measures.ts), in integer
-- milliseconds. Rows only for hours with known time. Everything here can be recomputed from
-- lot_status_reports (`zhibo analytics rebuild` rebuilds it too).
CREATE TABLE theme_lot_hours (
  lot_id             integer NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
  at                 timestamptz NOT NULL,
  -- known lot-ms, lot-ms at occupancy ≥ 0.9, occupied-space-ms, total-space-ms
  known_ms           bigint NOT NULL,
  saturated_ms       bigint NOT NULL,
  occupied_space_ms  bigint NOT NULL,
  total_space_ms     bigint NOT NULL,
  PRIMARY KEY (lot_id, at)
);

-- Per lot: what its rows were computed with and how far. The hours before complete_until are
-- all in theme_lot_hours (except those a pending mark below covers). A lot whose late threshold
-- or registered spaces changed is rebuilt whole; until then readers take its raw reports.
CREATE TABLE theme_rollup_lots (
  lot_id             integer PRIMARY KEY REFERENCES lots (id) ON DELETE CASCADE,
  threshold_minutes  integer NOT NULL,
  registered_total   integer NOT NULL,
  complete_until     timestamptz NOT NULL
);

-- Reports written, changed or removed since the job themes.rollup last ran. A report at t can
-- change a lot's known intervals only within [t, t + threshold): before t nothing it follows or
-- precedes is altered. Readers take the raw reports for the hours a pending mark reaches.
CREATE TABLE theme_rollup_dirty (
  id       bigserial PRIMARY KEY,
  lot_id   integer NOT NULL,
  from_at  timestamptz NOT NULL,
  to_at    timestamptz NOT NULL
);
CREATE INDEX theme_rollup_dirty_lot ON theme_rollup_dirty (lot_id);

-- A theme's minutes at or above its alert threshold, per hour of the recent past (the live
-- view's saturatedMinutesToday): the theme's occupancy is Σ occupied ÷ Σ total over its members
-- at each instant, not a sum of per-lot figures. Valid while the threshold and the members
-- (with their thresholds and spaces: member_sig) are what they were; late reports delete rows.
CREATE TABLE theme_hours (
  theme_id    integer NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL,
  threshold   double precision NOT NULL,
  member_sig  text NOT NULL,
  above_ms    bigint NOT NULL,
  PRIMARY KEY (theme_id, at)
);

CREATE FUNCTION theme_rollup_mark_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO theme_rollup_dirty (lot_id, from_at, to_at)
  SELECT lot_id, min(occurred_at), max(occurred_at) FROM new_rows GROUP BY lot_id;
  RETURN NULL;
END $$;
CREATE FUNCTION theme_rollup_mark_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO theme_rollup_dirty (lot_id, from_at, to_at)
  SELECT lot_id, min(occurred_at), max(occurred_at)
  FROM (
    SELECT o.lot_id, o.occurred_at FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE (n.lot_id, n.occurred_at, n.total_spaces, n.free_spaces, n.excluded_by) IS DISTINCT FROM (o.lot_id, o.occurred_at, o.total_spaces, o.free_spaces, o.excluded_by)
    UNION ALL
    SELECT n.lot_id, n.occurred_at FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.lot_id, n.occurred_at, n.total_spaces, n.free_spaces, n.excluded_by) IS DISTINCT FROM (o.lot_id, o.occurred_at, o.total_spaces, o.free_spaces, o.excluded_by)
  ) AS changed
  GROUP BY lot_id;
  RETURN NULL;
END $$;
CREATE FUNCTION theme_rollup_mark_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO theme_rollup_dirty (lot_id, from_at, to_at)
  SELECT lot_id, min(occurred_at), max(occurred_at) FROM old_rows GROUP BY lot_id;
  RETURN NULL;
END $$;
CREATE TRIGGER lot_status_reports_theme_rollup_insert AFTER INSERT ON lot_status_reports
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION theme_rollup_mark_insert();
CREATE TRIGGER lot_status_reports_theme_rollup_update AFTER UPDATE ON lot_status_reports
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION theme_rollup_mark_update();
CREATE TRIGGER lot_status_reports_theme_rollup_delete AFTER DELETE ON lot_status_reports
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION theme_rollup_mark_delete();
