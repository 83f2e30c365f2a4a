import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { createScratchDatabase, describeDb } from '../../test/support/backends.js';
import { listMigrations, migrate, MigrationError } from './migrate.js';

describeDb('migrations', (backend) => {
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await cleanup?.();
    cleanup = null;
  });

  it('applies each migration once and records it', async () => {
    const { database: db, drop } = await createScratchDatabase(backend);
    cleanup = drop;
    const first = await migrate(db);
    expect(first).toEqual(listMigrations().map((m) => m.name));
    expect(await migrate(db)).toEqual([]);
    const rows = await db.kysely.selectFrom('schema_migrations').select('name').orderBy('version').execute();
    expect(rows.map((r) => r.name)).toEqual(first);
    const districts = (await sql<{ code: string }>`select code from districts`.execute(db.kysely)).rows;
    expect(districts.map((d) => d.code).sort()).toEqual(['320602', '320612', '320614', '320623', '320681', '320682', '320685']);
  });

  it('rolls a failing migration back whole and names it', async () => {
    const { database: db, drop } = await createScratchDatabase(backend);
    cleanup = drop;
    const dir = mkdtempSync(path.join(tmpdir(), 'zhibo-mig-'));
    writeFileSync(path.join(dir, '0001_ok.sql'), 'create table good (id int);');
    writeFileSync(path.join(dir, '0002_bad.sql'), 'create table half (id int);\ninsert into half values (1);\nselect no_such_function();');
    const error = await migrate(db, listMigrations(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/0002_bad\.sql/);
    const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(db.kysely);
    const names = tables.rows.map((t) => t.name);
    expect(names).toContain('good');
    expect(names).not.toContain('half');
    const applied = await db.kysely.selectFrom('schema_migrations').select('name').execute();
    expect(applied.map((a) => a.name)).toEqual(['0001_ok.sql']);
  });
});
