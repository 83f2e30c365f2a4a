import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/support/backends.js';
import { openRuntime } from '../runtime.js';

/*
 * The embedded database directory holds plates, password hashes and the platform key
 * (docs/architecture.md "Secrets"): nothing under it may be readable or writable by
 * other users of the machine, whatever the umask of the shell that started zhibo.
 */

/** Every path under `root` (itself included) whose mode has group or other bits, with its mode. */
function looseModes(root: string): string[] {
  const loose: string[] = [];
  const visit = (p: string) => {
    const s = lstatSync(p);
    if (s.mode & 0o077) loose.push(`${path.relative(root, p) || '.'} ${(s.mode & 0o777).toString(8)}`);
    if (s.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
  };
  visit(root);
  return loose;
}

describe('embedded database files are private to the service user', () => {
  let tmp: string;
  let savedKey: string | undefined;
  let savedUmask: number;

  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'zhibo-perms-'));
    savedKey = process.env.ZHIBO_SECRET_KEY;
    delete process.env.ZHIBO_SECRET_KEY; // the key file in the data directory is part of the check
    savedUmask = process.umask(0o022); // a usual shell umask
  });
  afterEach(() => {
    process.umask(savedUmask);
    if (savedKey !== undefined) process.env.ZHIBO_SECRET_KEY = savedKey;
    rmSync(tmp, { recursive: true, force: true });
  });

  const exercise = async (dataDir: string) => {
    const rt = await openRuntime(testConfig({ dataDir }), { log: pino({ level: 'silent' }) });
    try {
      // New relation files, WAL and a checkpoint after start.
      await sql`create table if not exists perm_probe (id int primary key, note text)`.execute(rt.ctx.db);
      await sql`insert into perm_probe select g, repeat('x', 200) from generate_series(1, 2000) g on conflict do nothing`.execute(rt.ctx.db);
      await sql`checkpoint`.execute(rt.ctx.db);
    } finally {
      await rt.close();
    }
  };

  // One test: creating an on-disk PGlite database (its initdb) takes most of half a minute here.
  it('creates the data directory, its database files and the key file without group/other bits, and tightens them when reopened', { timeout: 120_000 }, async () => {
    const dataDir = path.join(tmp, 'data');
    await exercise(dataDir);
    expect(readdirSync(path.join(dataDir, 'pglite')).length).toBeGreaterThan(5);
    expect(lstatSync(path.join(dataDir, 'platform.key')).mode & 0o777).toBe(0o600);
    expect(looseModes(dataDir)).toEqual([]);

    // Left open to others (an older version, a copy, a restore): the next start closes it again.
    chmodSync(dataDir, 0o777);
    chmodSync(path.join(dataDir, 'pglite'), 0o755);
    chmodSync(path.join(dataDir, 'pglite', 'PG_VERSION'), 0o666);
    chmodSync(path.join(dataDir, 'platform.key'), 0o644);
    await exercise(dataDir);
    expect(looseModes(dataDir)).toEqual([]);
  });
});
