import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { isDatabaseUnavailable } from '../platform/errors.js';
import type { Database } from './database.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const LOCK_KEY = 7_140_001; // any constant: serialises migrating app nodes

export class MigrationError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`migration ${file} failed and was rolled back: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const text = readFileSync(`${dir}/${name}`, 'utf8');
      return {
        version: name.slice(0, 4),
        name,
        sql: text,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
}

/**
 * Applies each pending migration once, each in its own transaction, recorded in
 * schema_migrations. A failure rolls that migration back and throws MigrationError.
 */
export async function migrate(db: Database, files = listMigrations()): Promise<string[]> {
  const applied: string[] = [];
  await db.kysely.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${LOCK_KEY})`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (
        version text primary key, name text not null, checksum text not null,
        applied_at timestamptz not null default now())`.execute(conn);
      const done = new Set((await conn.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version));
      for (const file of files) {
        if (done.has(file.version)) continue;
        try {
          await conn.transaction().execute(async (trx) => {
            await sql.raw(file.sql).execute(trx);
            await trx
              .insertInto('schema_migrations')
              .values({ version: file.version, name: file.name, checksum: file.checksum, applied_at: new Date() })
              .execute();
          });
        } catch (err) {
          throw new MigrationError(file.name, err);
        }
        applied.push(file.name);
      }
    } finally {
      // A lost connection took its session lock with it; its error is the one to report.
      await sql`select pg_advisory_unlock(${LOCK_KEY})`.execute(conn).catch((err: unknown) => {
        if (!isDatabaseUnavailable(err)) throw err;
      });
    }
  });
  return applied;
}
