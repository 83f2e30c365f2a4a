import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createBackup, restoreBackup, TargetNotEmptyError, verifyBackup, type BackupSource } from '../src/db/backup/backup.js';
import { verifyReportDocx } from '../src/db/backup/report-docx.js';
import { BackupFileError } from '../src/db/backup/tar.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { ensureAdmin } from '../src/modules/accounts/index.js';
import { noticeOutbox } from '../src/modules/notifications/index.js';
import { ManualClock } from '../src/platform/clock.js';
import { tablesOf } from '../src/platform/db.js';
import { SecretBox } from '../src/platform/secret-box.js';
import type { DB, RootContext } from '../src/schema.js';
import { createPostgresDatabase, describeDb, testConfig, type Backend } from './support/backends.js';
import { bearer, loginToken } from './support/http.js';
import { lotBody } from './fixtures/registry/helpers.js';
import { unzip } from './support/unzip.js';

/** The app on a database that outlives it (a PGlite data directory or a PostgreSQL database). */
async function serveOn(database: Database) {
  await migrate(database);
  const ctx: RootContext = {
    config: testConfig(), database, db: tablesOf<DB>(database.kysely), clock: new ManualClock(),
    secrets: new SecretBox('test-key'), log: pino({ level: 'silent' }), notices: noticeOutbox,
  };
  await ensureAdmin(ctx);
  const app = await buildApp(ctx);
  await app.ready();
  const token = await loginToken(app);
  return {
    app, token,
    lots: async () => {
      const res = await app.inject({ url: '/api/v1/lots?limit=500', headers: bearer(token) });
      expect(res.statusCode).toBe(200);
      return res.json().items as unknown[];
    },
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

describeDb('backups: backup → verify → restore', (backend: Backend) => {
  const scratch = process.env.ZHIBO_TEST_DATABASE_URL ?? null;
  let dir: string;
  let source: BackupSource;
  let open: (where: BackupSource | { dataDir: string } | { databaseUrl: string }) => Promise<Database>;
  const drops: (() => Promise<void>)[] = [];
  let lotsBefore: unknown[];
  let file: string;
  const KEY = 'correct horse battery staple 2026';

  const newTarget = async (): Promise<{ dataDir: string } | { databaseUrl: string }> => {
    if (backend === 'pglite') return { dataDir: mkdtempSync(path.join(dir, 'target-')) };
    const db = await createPostgresDatabase();
    drops.push(db.drop);
    return { databaseUrl: db.url };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-backup-test-'));
    open = (where) => {
      const url = 'url' in where ? where.url : 'databaseUrl' in where ? where.databaseUrl : null;
      return openDatabase(url ? { databaseUrl: url, dataDir: '' } : { databaseUrl: null, dataDir: path.join((where as { dataDir: string }).dataDir, 'pglite') });
    };
    if (backend === 'pglite') source = { kind: 'pglite', dataDir: path.join(dir, 'source') };
    else {
      const db = await createPostgresDatabase();
      drops.push(db.drop);
      source = { kind: 'postgres', url: db.url };
    }
    const env = await serveOn(await open(source));
    for (let i = 1; i <= 3; i++) {
      const res = await env.app.inject({ method: 'POST', url: '/api/v1/lots', headers: bearer(env.token), payload: lotBody({ code: `BK-${i}`, name: `备份测试停车场${i}` }) });
      expect(res.statusCode).toBe(201);
    }
    lotsBefore = await env.lots();
    await env.close();
    file = path.join(dir, 'zhibo.tar');
  }, 120_000);

  afterAll(async () => {
    for (const drop of drops) await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a backup whose manifest counts every table', async () => {
    const m = await createBackup(source, file);
    expect(m).toMatchObject({ format: 'zhibo-backup', kind: backend, schemaVersion: expect.stringMatching(/^\d{4}$/), encryption: null });
    expect(m.tables.find((t) => t.table === 'lots')?.rows).toBe(3);
    expect(m.tables.find((t) => t.table === 'users')?.rows).toBe(1);
    expect(m.payload.format).toBe(backend === 'pglite' ? 'pglite-datadir' : 'pg_dump-custom');
    expect(statSync(file).size).toBeGreaterThan(m.payload.bytes);
  }, 120_000);

  it('verifies: the restored scratch copy matches the manifest', async () => {
    const r = await verifyBackup(file, { scratchServerUrl: scratch });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.migrationsOk).toBe(true);
    expect(r.tables.every((t) => t.ok)).toBe(true);
    // 《备份恢复测试报告》: the same verification as a Word document, parsed back.
    const docx = await verifyReportDocx(r, { file, verifiedAt: new Date('2026-12-07T08:00:00Z'), restoredInto: 'scratch' });
    const xml = unzip(docx).get('word/document.xml')!.toString('utf8');
    for (const text of ['备份恢复测试报告', '逐表核对', '2026-12-07 16:00:00', '备份可用于恢复', '>lots<']) expect(xml).toContain(text);
  }, 120_000);

  it('fails a truncated file, an altered payload and an altered manifest, naming why', async () => {
    const truncated = path.join(dir, 'truncated.tar');
    copyFileSync(file, truncated);
    truncateSync(truncated, Math.floor(statSync(file).size / 2));
    await expect(verifyBackup(truncated, { scratchServerUrl: scratch })).rejects.toThrow(/truncated/);

    const bytes = readFileSync(file);
    const altered = Buffer.from(bytes);
    const at = bytes.length - 2048; // inside the payload, before the end-of-archive blocks
    altered[at - 100] = altered[at - 100]! ^ 0xff;
    writeFileSync(path.join(dir, 'altered.tar'), altered);
    await expect(verifyBackup(path.join(dir, 'altered.tar'), { scratchServerUrl: scratch })).rejects.toThrow(BackupFileError);
    await expect(verifyBackup(path.join(dir, 'altered.tar'), { scratchServerUrl: scratch })).rejects.toThrow(/altered or damaged/);

    // A manifest that claims another row count: the restore proves it wrong.
    const text = bytes.toString('latin1');
    const claim = /"table": "lots",\s+"rows": 3/.exec(text)!;
    const lied = Buffer.from(bytes);
    lied.write(claim[0].replace('"rows": 3', '"rows": 4'), claim.index, 'latin1');
    writeFileSync(path.join(dir, 'lied.tar'), lied);
    const r = await verifyBackup(path.join(dir, 'lied.tar'), { scratchServerUrl: scratch });
    expect(r.ok).toBe(false);
    expect(r.tables.find((t) => t.table === 'lots')).toMatchObject({ expectedRows: 4, actualRows: 3, ok: false });

    writeFileSync(path.join(dir, 'junk.tar'), 'not a backup at all');
    await expect(verifyBackup(path.join(dir, 'junk.tar'))).rejects.toThrow(BackupFileError);
  }, 120_000);

  it('encrypts with the configured key; without it or with another one verify fails clearly', async () => {
    const enc = path.join(dir, 'encrypted.tar');
    const m = await createBackup(source, enc, { key: KEY });
    expect(m.encryption).toMatchObject({ algorithm: 'aes-256-gcm', kdf: 'scrypt' });
    expect(readFileSync(enc).includes(Buffer.from('备份测试停车场'))).toBe(false);
    expect((await verifyBackup(enc, { key: KEY, scratchServerUrl: scratch })).ok).toBe(true);
    await expect(verifyBackup(enc, { scratchServerUrl: scratch })).rejects.toThrow(/ZHIBO_BACKUP_KEY/);
    await expect(verifyBackup(enc, { key: 'another key of enough length', scratchServerUrl: scratch })).rejects.toThrow(/wrong key/);
  }, 120_000);

  it('restores into an empty target that then serves the same lots; refuses a non-empty one without force', async () => {
    const target = await newTarget();
    const r = await restoreBackup(file, target);
    expect(r.ok).toBe(true);
    const env = await serveOn(await open(target));
    expect(await env.lots()).toEqual(lotsBefore);
    await env.close();
    await expect(restoreBackup(file, target)).rejects.toThrow(TargetNotEmptyError);
    expect((await restoreBackup(file, target, { force: true })).ok).toBe(true);
    if (backend === 'pglite') await expect(restoreBackup(file, { databaseUrl: 'postgres://nowhere/x' })).rejects.toThrow(/--data-dir/);
  }, 180_000);
});
