import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { takeLease, releaseLease } from '../../platform/jobs.js';
import { runHealthWatch } from '../health/index.js';
import { BACKUP_JOB, runBackupJob, settledBackupWork } from './index.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describeDb('security: scheduled backups, retention, restore tests, alerts', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  let dir: string;
  const list = async (token = admin) => {
    const res = await env.app.inject({ url: '/api/v1/security/backups', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const openAlerts = () => env.ctx.db.selectFrom('health_alerts').selectAll().where('state', '=', 'open').execute();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-sched-backup-'));
    env = await createTestEnv(backend, {
      tokenTtlMinutes: 60 * 24 * 60, backupDir: path.join(dir, 'backups'), backupTime: '02:30', backupRetention: { daily: 2, weekly: 1, monthly: 1 },
    });
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops-backup', role: 'ops' });
  });
  afterAll(async () => {
    await settledBackupWork();
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up once at 02:30 Shanghai on a manual clock, and tests the first restore at once', async () => {
    env.clock.set('2026-12-07T18:29:00Z'); // 12-08 02:29 Shanghai: yesterday's 02:30 is due (nothing made yet)
    const first = await runBackupJob(env.ctx);
    expect(first.backedUp).not.toBeNull();
    expect(first.verified).toBe(first.backedUp);
    expect(await runBackupJob(env.ctx)).toEqual({ backedUp: null, pruned: [], verified: null });
    env.clock.set('2026-12-07T18:31:00Z'); // 02:31: today's is due
    const second = await runBackupJob(env.ctx);
    expect(second.backedUp).toBe(first.backedUp! + 1);
    expect(second.verified).toBeNull(); // the restore test is weekly
    env.clock.advance(10 * 60_000);
    expect((await runBackupJob(env.ctx)).backedUp).toBeNull();

    const l = await list(ops);
    expect(l.settings).toMatchObject({ time: '02:30', retention: { daily: 2, weekly: 1, monthly: 1 }, encrypted: false, nextAt: '2026-12-08T18:30:00.000Z' });
    expect(l.items).toHaveLength(2);
    const [b2, b1] = l.items;
    expect(b1).toMatchObject({ trigger: 'scheduled', requestedBy: BACKUP_JOB, state: 'ok', kind: backend, phase: null });
    expect(b1.bytes).toBeGreaterThan(1000);
    expect(b1.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b1.tableCount).toBeGreaterThan(20);
    expect(b1.verification).toMatchObject({ state: 'ok', trigger: 'scheduled', tablesDifferent: 0, problems: [] });
    expect(b1.verification.tablesChecked).toBe(b1.tableCount);
    expect(b2.verification).toBeNull();
    expect(existsSync(path.join(dir, 'backups', b2.fileName))).toBe(true);
    expect(l.lastVerifiedAt).not.toBeNull();
    // 《备份恢复测试报告》 lies beside the backup it proves, written after the test.
    expect(b1.verification.reportFileName).toBe(`${b1.fileName.replace(/\.tar$/, '')}.restore-test-${b1.verification.id}.docx`);
    const beside = await JSZip.loadAsync(readFileSync(path.join(dir, 'backups', b1.verification.reportFileName)));
    const xml = await beside.file('word/document.xml')!.async('string');
    expect(xml).toContain('备份恢复测试报告');
    expect(xml).toContain(b1.fileName);
    expect(b2.verification).toBeNull();

    // The summary (概要 tab, monthly report): the verified backup and its age on the manual clock.
    env.clock.advance(5 * HOUR);
    const summary = (await env.app.inject({ url: '/api/v1/security/summary', headers: bearer(ops) })).json();
    expect(summary.backups).toMatchObject({ lastVerifiedBackupId: b1.id, lastVerifiedAgeHours: 5, lastVerificationState: 'ok', lastBackupAt: b2.startedAt });
    expect(summary.reviews).toMatchObject({ quarter: '2026Q4', currentState: 'not_opened', last: null, lastSignedOffAt: null });
  });

  it('keeps 2 daily + 1 weekly + 1 monthly: older files are deleted, their rows stay', async () => {
    for (let day = 1; day <= 3; day++) {
      env.clock.set(new Date(Date.parse('2026-12-07T18:31:00Z') + day * DAY));
      const r = await runBackupJob(env.ctx);
      expect(r.backedUp).not.toBeNull();
    }
    const l = await list();
    expect(l.items).toHaveLength(5);
    const live = l.items.filter((b: { prunedAt: string | null }) => b.prunedAt === null);
    // Newest two days (12-10, 12-11 Shanghai) daily; the newest also the week's and the month's.
    expect(live.map((b: { keptAs: string[] }) => b.keptAs)).toEqual([['daily', 'weekly', 'monthly'], ['daily']]);
    for (const b of l.items) expect(existsSync(path.join(dir, 'backups', b.fileName))).toBe(b.prunedAt === null);
  });

  it('backup now answers 202 at once, runs in the background, and is refused while one runs (admins only)', async () => {
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/security/backups', headers: bearer(ops) })).statusCode).toBe(403);
    // Another node's run holds the lease: 409.
    expect(await takeLease(env.ctx, BACKUP_JOB, HOUR, 'other-node')).toBe(true);
    const busy = await env.app.inject({ method: 'POST', url: '/api/v1/security/backups', headers: bearer(admin) });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error.code).toBe('BACKUP_RUNNING');
    await releaseLease(env.ctx, BACKUP_JOB, 'other-node');

    const res = await env.app.inject({ method: 'POST', url: '/api/v1/security/backups', headers: bearer(admin) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ trigger: 'manual', requestedBy: 'admin', state: 'running' });
    const again = await env.app.inject({ method: 'POST', url: '/api/v1/security/backups', headers: bearer(admin) });
    expect(again.statusCode).toBe(409);
    await settledBackupWork();
    const done = await env.app.inject({ url: `/api/v1/security/backups/${res.json().id}`, headers: bearer(ops) });
    expect(done.json()).toMatchObject({ state: 'ok', phase: null, trigger: 'manual' });
    const audited = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'security.backup.run').execute();
    expect(audited).toEqual([{ action: 'security.backup.run', target_id: String(res.json().id) }]);
  });

  it('a corrupted backup fails its restore test: a platform alert, an incident when it lasts, resolved by a good test', async () => {
    const newest = (await list()).items[0];
    const file = path.join(dir, 'backups', newest.fileName);
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[bad.length - 2000] = bad[bad.length - 2000]! ^ 0xff; // inside the payload
    writeFileSync(file, bad);
    const res = await env.app.inject({ method: 'POST', url: `/api/v1/security/backups/${newest.id}/verify`, headers: bearer(admin) });
    expect(res.statusCode).toBe(202);
    await settledBackupWork();
    const after = (await env.app.inject({ url: `/api/v1/security/backups/${newest.id}`, headers: bearer(ops) })).json();
    expect(after.verification).toMatchObject({ state: 'failed', trigger: 'manual', requestedBy: 'admin' });
    expect(after.verification.error).toMatch(/SHA-256/);
    const alerts = await openAlerts();
    expect(alerts).toEqual([expect.objectContaining({ kind: 'backup_verify_failed', subject: BACKUP_JOB })]);
    expect(alerts[0]!.detail).toContain(`#${newest.id}`);
    const notices = await env.ctx.db.selectFrom('notifications').select(['kind', 'severity']).where('kind', '=', 'health.alert.opened').execute();
    expect(notices).toEqual([{ kind: 'health.alert.opened', severity: 'critical' }]);

    // The report says so too.
    const report = await env.app.inject({ url: `/api/v1/security/backups/${newest.id}/report`, headers: bearer(ops) });
    expect(report.statusCode).toBe(200);
    const xml = await (await JSZip.loadAsync(report.rawPayload)).file('word/document.xml')!.async('string');
    expect(xml).toContain('备份恢复测试报告');
    expect(xml).toContain('备份不可作为恢复依据');

    // Still open after the sustain time: health.watch records it in the incident ledger, once.
    env.clock.advance(31 * 60_000);
    const watched = await runHealthWatch(env.ctx, { jobs: new Map() });
    expect(watched.escalated).toHaveLength(1);
    expect((await runHealthWatch(env.ctx, { jobs: new Map() })).escalated).toEqual([]);
    expect((await openAlerts())[0]!.incident_code).toBe(watched.escalated[0]);

    // The file repaired, a good test resolves the alert.
    writeFileSync(file, good);
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/security/backups/${newest.id}/verify`, headers: bearer(admin) })).statusCode).toBe(202);
    await settledBackupWork();
    expect((await env.app.inject({ url: `/api/v1/security/backups/${newest.id}`, headers: bearer(ops) })).json().verification.state).toBe('ok');
    expect(await openAlerts()).toEqual([]);
    const okReport = await env.app.inject({ url: `/api/v1/security/backups/${newest.id}/report`, headers: bearer(ops) });
    const okXml = await (await JSZip.loadAsync(okReport.rawPayload)).file('word/document.xml')!.async('string');
    expect(okXml).toContain('备份可用于恢复');
  });

  it('a truncated backup fails its restore test with a clear reason and raises the alert', async () => {
    env.clock.set(new Date(Date.parse('2026-12-07T18:31:00Z') + 10 * DAY)); // a week and more since the last test
    const newest = (await list()).items[0];
    const r = await runBackupJob(env.ctx); // today's backup, and the weekly test of it (good)
    expect(r.verified).toBe(r.backedUp);
    expect(r.backedUp).toBeGreaterThan(newest.id);
    const today = (await list()).items[0];
    const file = path.join(dir, 'backups', today.fileName);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/security/backups/${today.id}/verify`, headers: bearer(admin) })).statusCode).toBe(202);
    await settledBackupWork();
    const t = (await env.app.inject({ url: `/api/v1/security/backups/${today.id}`, headers: bearer(ops) })).json();
    expect(t.verification.state).toBe('failed');
    expect(t.verification.error).toMatch(/truncated|截断|大小/);
    expect((await openAlerts()).map((a) => a.kind)).toEqual(['backup_verify_failed']);
  });

  it('a backup that cannot be written is recorded as failed and raises backup_failed', async () => {
    const blocked = path.join(dir, 'not-a-dir');
    writeFileSync(blocked, 'x');
    env.ctx.config.backupDir = blocked;
    try {
      env.clock.advance(DAY);
      await expect(runBackupJob(env.ctx)).rejects.toThrow();
      const failed = (await list()).items[0];
      expect(failed).toMatchObject({ state: 'failed', trigger: 'scheduled', fileName: null });
      expect(failed.error).toMatch(/EEXIST|ENOTDIR|exists|not a directory/);
      expect((await openAlerts()).map((a) => a.kind).sort()).toEqual(['backup_failed', 'backup_verify_failed']);
    } finally {
      env.ctx.config.backupDir = path.join(dir, 'backups');
    }
    env.clock.advance(DAY);
    expect((await runBackupJob(env.ctx)).backedUp).not.toBeNull();
    expect((await openAlerts()).map((a) => a.kind)).toEqual(['backup_verify_failed']);
  });

  it('validates: unknown backup 404, a pruned one cannot be tested, no report before a test', async () => {
    expect((await env.app.inject({ url: '/api/v1/security/backups/abc', headers: bearer(ops) })).statusCode).toBe(404);
    expect((await env.app.inject({ url: '/api/v1/security/backups/99999', headers: bearer(ops) })).statusCode).toBe(404);
    expect((await env.app.inject({ url: '/api/v1/security/backups?limit=x', headers: bearer(ops) })).statusCode).toBe(400);
    const items = (await list()).items;
    const pruned = items.find((b: { prunedAt: string | null }) => b.prunedAt !== null);
    const r = await env.app.inject({ method: 'POST', url: `/api/v1/security/backups/${pruned.id}/verify`, headers: bearer(admin) });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('BACKUP_PRUNED');
    const untested = items.find((b: { verification: unknown; state: string }) => b.verification === null && b.state === 'ok');
    const rep = await env.app.inject({ url: `/api/v1/security/backups/${untested.id}/report`, headers: bearer(ops) });
    expect(rep.statusCode).toBe(409);
    expect(rep.json().error.code).toBe('NOT_VERIFIED');
  });
});
