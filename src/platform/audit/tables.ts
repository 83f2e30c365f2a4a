import type { Generated, JSONColumnType } from 'kysely';

export interface AuditLogTable {
  id: Generated<number>;
  at: Date;
  actor: string;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  outcome: string;
  detail: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  prev_hash: string;
  hash: string;
}

export interface AuditTables {
  audit_log: AuditLogTable;
}
