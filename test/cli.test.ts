import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { assertBuilt, runCli, startServer, stopServer } from './support/cli.js';

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('zhibo CLI', () => {
  let dir: string;
  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists its commands', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'user', 'audit', 'import', 'demo', 'archive']) expect(r.stdout).toContain(cmd);
  });

  it('stops on a bad setting with a message naming it, not a stack trace', () => {
    const r = runCli(['migrate', '--data-dir', dir], { ZHIBO_TOKEN_TTL_MINUTES: 'soon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ZHIBO_TOKEN_TTL_MINUTES');
    noStack(r.stderr);
    const bad = runCli(['migrate'], { ZHIBO_DATABASE_URL: 'mysql://x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ZHIBO_DATABASE_URL');
  });

  it('manages users and verifies the audit chain', () => {
    expect(runCli(['migrate', '--data-dir', dir]).code).toBe(0);
    const add = runCli(['user', 'add', '--username', 'haimen', '--password', 'Haimen-Pass-1', '--role', 'district', '--district', '320614', '--data-dir', dir]);
    expect(add.stdout).toContain('created haimen');
    const dup = runCli(['user', 'add', '--username', 'haimen', '--password', 'Haimen-Pass-1', '--role', 'viewer', '--data-dir', dir]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('USERNAME_TAKEN');
    noStack(dup.stderr);
    expect(runCli(['user', 'disable', 'haimen', '--data-dir', dir]).code).toBe(0);
    const list = JSON.parse(runCli(['user', 'list', '--json', '--data-dir', dir]).stdout);
    expect(list).toEqual([expect.objectContaining({ username: 'haimen', status: 'disabled', districtCode: '320614' })]);
    expect(runCli(['user', 'reset-password', 'haimen', '--password', 'Other-Pass-2', '--data-dir', dir]).code).toBe(0);
    const verify = runCli(['audit', 'verify', '--data-dir', dir]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/intact: 3 rows/);
  }, 180_000); // seven program starts, each opening the embedded database

  it('exits non-zero naming the first broken link of the audit chain', async () => {
    const db = await openDatabase({ databaseUrl: null, dataDir: path.join(dir, 'pglite') });
    const second = await db.kysely.selectFrom('audit_log').select('id').orderBy('id').offset(1).limit(1).executeTakeFirstOrThrow();
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(db.kysely);
    await sql`update audit_log set actor = 'mallory' where id = ${second.id}`.execute(db.kysely);
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(db.kysely);
    await db.close();
    const verify = runCli(['audit', 'verify', '--data-dir', dir]);
    expect(verify.code).toBe(3);
    expect(verify.stderr).toContain(`row ${second.id}`);
  });

  it('refuses to touch a data directory held by a running server', async () => {
    const served = mkdtempSync(path.join(tmpdir(), 'zhibo-served-'));
    const { proc, url } = await startServer(['--data-dir', served], { ZHIBO_ADMIN_PASSWORD: 'Serve-Pass-1' });
    try {
      const health = await fetch(`${url}/api/health`);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const r = runCli(['user', 'list', '--data-dir', served]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/held by process \d+/);
      noStack(r.stderr);
      const second = runCli(['serve', '--port', '0', '--data-dir', served]);
      expect(second.code).toBe(2);
      // The server is unharmed.
      const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'Serve-Pass-1' }) });
      expect(login.status).toBe(200);
    } finally {
      await stopServer(proc);
    }
    // Released on stop: the CLI may now use the directory.
    expect(runCli(['user', 'list', '--data-dir', served]).code).toBe(0);
    rmSync(served, { recursive: true, force: true });
  });
});
