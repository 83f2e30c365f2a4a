import type { Generated, JSONColumnType } from 'kysely';

/** The legacy tables a migration carries over, in the order they are imported. */
export const LEGACY_TABLES = ['lots', 'users', 'sessions', 'payments', 'tickets'] as const;
export type LegacyTable = (typeof LEGACY_TABLES)[number];

export interface MigrationIdMapTable {
  source: string;
  legacy_table: LegacyTable;
  legacy_id: string;
  target_id: number;
  imported_at: Date;
}

export interface MigrationRunsTable {
  id: Generated<number>;
  source: string;
  kind: 'import' | 'verify';
  started_at: Date;
  finished_at: Date | null;
  outcome: 'done' | 'failed' | 'equal' | 'differences' | null;
  detail: JSONColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface MigrationTables {
  migration_id_map: MigrationIdMapTable;
  migration_runs: MigrationRunsTable;
}

