import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { writeTar } from '../../db/backup/tar.js';

interface Item { code: string; status: string; detail: string; measured: string | null }

/** The newer inspection checks against a real database and a real backup folder (docs/巡检与报告.md §4). */
describeDb('health: inspection checks — backups, bloat, slow queries, security', (backend) => {
  let env: TestEnv;
  let admin: string;
  let dir: string;
  const inspect = async () => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: bearer(admin) });
    expect(res.statusCode).toBe(201);
    return Object.fromEntries((res.json().items as Item[]).map((i) => [i.code, i])) as Record<string, Item>;
  };
  const backup = async (name: string, createdAt: string, mtime: Date) => {
    const file = path.join(dir, name);
    await writeTar(file, [{ name: 'manifest.json', data: Buffer.from(JSON.stringify({ format: 'zhibo-backup', formatVersion: 1, createdAt })) }, { name: 'payload.bin', data: Buffer.from('x') }], mtime);
    await utimes(file, mtime, mtime);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'zhibo-backups-'));
    env = await createTestEnv(backend, { backupDir: dir, tokenTtlMinutes: 60 * 24 * 30 });
    env.clock.set('2026-12-07T02:00:00Z');
    admin = await loginToken(env.app);
  });
  afterAll(async () => {
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('judges the newest backup in ZHIBO_BACKUP_DIR by its manifest, skipping files that are not backups', async () => {
    expect((await inspect()).backup_age).toMatchObject({ status: 'fail', detail: expect.stringContaining('没有备份文件') });
    await backup('zhibo-backup-old.tar', '2026-11-20T02:00:00Z', new Date('2026-11-20T02:00:00Z'));
    expect((await inspect()).backup_age).toMatchObject({ status: 'fail', measured: `${(17 * 24).toFixed(1)} h` });
    await backup('zhibo-backup-new.tar', '2026-12-06T16:00:00Z', new Date('2026-12-06T16:00:00Z'));
    // A newer file that is not a backup is passed over.
    await writeFile(path.join(dir, 'broken.tar'), 'not a tar');
    expect((await inspect()).backup_age).toMatchObject({ status: 'ok', measured: '10.0 h' });
    env.clock.set('2026-12-08T06:00:00Z');
    expect((await inspect()).backup_age).toMatchObject({ status: 'warn', measured: '38.0 h' });
  });

  it('reports bloat, slow queries (or why not), vulnerabilities, the permission review and certificates', async () => {
    const items = await inspect();
    expect(items.table_bloat!.status).toBe('ok');
    expect(items.table_bloat!.detail).toContain('最大的表');
    expect(items.slow_queries!.status).toBe('ok');
    if (backend === 'pglite') expect(items.slow_queries!.detail).toContain('PGlite');
    expect(items.vulnerabilities).toMatchObject({ status: 'ok', measured: '0' });
    // 2026Q4 began on 1 October; the review-open job never ran here.
    expect(items.permission_review).toMatchObject({ status: 'warn', detail: expect.stringContaining('security.review-open') });
    expect(items.certificate_expiry).toMatchObject({ status: 'ok', detail: expect.stringContaining('跳过') });

    const res = await env.app.inject({
      method: 'POST', url: '/api/v1/security/vulnerabilities', headers: bearer(admin),
      payload: { title: '测试漏洞', severity: 'high', foundAt: '2026-11-01T02:00:00Z' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect((await inspect()).vulnerabilities).toMatchObject({ status: 'fail', measured: '1' });
  });
});
