import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, PGLITE_SHARED_BUFFERS } from './database.js';
import { needsInit } from './pglite-init.js';

/* A new PGlite directory is made in a child process (src/db/pglite-init.ts), then opened here. */
describe('PGlite data directory', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'zhibo-pglite-init-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is created by a child process on first open, opened as it is afterwards, with its shared buffers', async () => {
    const dir = path.join(root, 'data');
    expect(needsInit(dir)).toBe(true);
    const first = await openDatabase({ databaseUrl: null, dataDir: dir });
    try {
      expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
      await sql`create table kept (v int)`.execute(first.kysely);
      await sql`insert into kept values (7)`.execute(first.kysely);
      const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(first.kysely);
      expect(rows[0]!.shared_buffers).toBe(PGLITE_SHARED_BUFFERS);
    } finally {
      await first.close();
    }
    expect(needsInit(dir)).toBe(false);
    const again = await openDatabase({ databaseUrl: null, dataDir: dir });
    try {
      const { rows } = await sql<{ v: number }>`select v from kept`.execute(again.kysely);
      expect(rows).toEqual([{ v: 7 }]);
    } finally {
      await again.close();
    }
  });
});
