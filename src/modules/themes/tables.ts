import type { ColumnType, Generated, JSONColumnType } from 'kysely';
/** Kysely shapes of the themes tables (migration 0020_themes.sql). */

export type ThemeKind = 'hospital' | 'school' | 'scenic' | 'transport' | 'commercial' | 'residential' | 'event' | 'custom';
export type MemberVia = 'lot' | 'point' | 'category';

export interface ThemePoint {
  /** GCJ-02. */
  lng: number;
  lat: number;
  radiusM: number;
}

export interface ThemesTable {
  id: Generated<number>;
  code: string;
  name: string;
  kind: ThemeKind;
  district_code: string | null;
  points: JSONColumnType<ThemePoint[], string, string>;
  categories: JSONColumnType<string[], string, string>;
  district_codes: JSONColumnType<string[], string, string>;
  event_from: ColumnType<string | null, string | null, string | null>;
  event_to: ColumnType<string | null, string | null, string | null>;
  frozen: boolean;
  alert_threshold: number;
  alert_minutes: number;
  alert_enabled: boolean;
  published: Generated<boolean>;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
}

export interface ThemeLotsTable {
  theme_id: number;
  lot_id: number;
}

export interface ThemeMembersTable {
  theme_id: number;
  lot_id: number;
  via: MemberVia;
}

export interface ThemeAlertStateTable {
  theme_id: number;
  above_since: Date | null;
  episode_id: number | null;
  evaluated_at: Date;
}

export interface ThemeAlertEpisodesTable {
  id: Generated<number>;
  theme_id: number;
  started_at: Date;
  notified_at: Date | null;
  ended_at: Date | null;
  peak: number;
  silenced: Generated<boolean>;
}

/** Migration 0027 (docs/decisions/0019-theme-lot-hour-rollup.md): sums per lot and Shanghai hour, in ms. */
export interface ThemeLotHoursTable {
  lot_id: number;
  at: Date;
  known_ms: number;
  saturated_ms: number;
  occupied_space_ms: number;
  total_space_ms: number;
}

export interface ThemeRollupLotsTable {
  lot_id: number;
  threshold_minutes: number;
  registered_total: number;
  complete_until: Date;
}

export interface ThemeRollupDirtyTable {
  id: Generated<number>;
  lot_id: number;
  from_at: Date;
  to_at: Date;
}

export interface ThemeHoursTable {
  theme_id: number;
  at: Date;
  threshold: number;
  member_sig: string;
  above_ms: number;
}

export interface ThemesTables {
  themes: ThemesTable;
  theme_lot_hours: ThemeLotHoursTable;
  theme_rollup_lots: ThemeRollupLotsTable;
  theme_rollup_dirty: ThemeRollupDirtyTable;
  theme_hours: ThemeHoursTable;
  theme_lots: ThemeLotsTable;
  theme_members: ThemeMembersTable;
  theme_alert_state: ThemeAlertStateTable;
  theme_alert_episodes: ThemeAlertEpisodesTable;
}
