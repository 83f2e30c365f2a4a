import type { ColumnType, Kysely, Selectable, Transaction } from 'kysely';
import type { AuditLogTable } from './audit/tables.js';

/*
 * Table ownership in types (docs/architecture.md, "Modules"). Nothing below the app root sees
 * the whole database: the platform sees its own tables, and each module works on a handle typed
 * with its own tables plus the few of other modules it declares it reads (its repo.ts), read-only.
 * The whole `DB` is composed once, at the app root (src/schema.ts), from every module's tables.
 */

/** The platform's own tables: migrations, job leases, the audit log. */
export interface PlatformTables {
  schema_migrations: { version: string; name: string; checksum: string; applied_at: Date };
  job_leases: { name: string; holder: string; leased_until: Date; last_due_at: Date | null };
  audit_log: AuditLogTable;
}

/** A connection or a transaction that sees the tables `T` and the platform's. */
export type Db<T = object> = Kysely<T & PlatformTables>;
export type Trx<T = object> = Transaction<T & PlatformTables>;

/**
 * A connection or an open transaction as it passes between modules and to the platform: only
 * the platform's tables are visible until the receiving module narrows it to its own (`tablesOf`).
 * Any module's handle is one.
 */
export type AnyDb = Kysely<PlatformTables> | Transaction<PlatformTables>;

declare const readOnly: unique symbol;

/**
 * Another module's tables as a reader declares them: every column selectable, none insertable
 * or updatable (an insert also misses the required phantom column), so a write to a table the
 * module does not own fails to compile. Deletes are not caught by types; review catches those.
 */
export type ReadOnly<T> = {
  [K in keyof T]: { [C in keyof Selectable<T[K]>]: ColumnType<Selectable<T[K]>[C], never, never> } & {
    [readOnly]: ColumnType<never, typeof readOnly, never>;
  };
};

/**
 * `true` when every column a reader declares (`Contract`, tables of columns) is a table and
 * column of `Owner` whose selected type fits the declared one; else `false`. For the few reads
 * a module declares without importing the owner's table type (the app root checks them).
 */
export type ReadContractHolds<Contract, Owner> = {
  [K in keyof Contract]: K extends keyof Owner
    ? { [C in keyof Contract[K]]: C extends keyof Selectable<Owner[K]> ? (Selectable<Owner[K]>[C] extends Contract[K][C] ? true : false) : false }[keyof Contract[K]]
    : false;
}[keyof Contract] extends true
  ? true
  : false;

/**
 * The handle a module works on, from any connection or transaction: the one place a module
 * states which tables it sees (`T` = its own tables & ReadOnly<the ones it reads>), in its repo.ts.
 */
export function tablesOf<T>(db: AnyDb): Db<T> {
  return db as unknown as Db<T>;
}
