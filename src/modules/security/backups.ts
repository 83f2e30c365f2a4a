import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Selectable } from 'kysely';
import type { BackupEngine, BackupPhase, VerifyReport } from '../../platform/backup-engine.js';
import { systemActor, type Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { NODE_ID, releaseLease, takeLease } from '../../platform/jobs.js';
import { clearPlatformAlert, reportPlatformAlert } from '../../platform/platform-alerts.js';
import { backupDue, DEFAULT_BACKUP_TIME, DEFAULT_RETENTION, nextBackupAt, parseBackupTime, retention, verificationDue, type RetentionTier } from './backup-rules.js';
import { securityContext, type SecurityContext } from './repo.js';
import type { RunTrigger, SecurityBackupsTable, SecurityBackupVerificationsTable } from './tables.js';

/*
 * The server's own backups (docs/security-operations.md, "Scheduled backups"): the job
 * `security.backup` makes the daily backup at ZHIBO_BACKUP_TIME (Shanghai) into ZHIBO_BACKUP_DIR,
 * prunes by retention (ZHIBO_BACKUP_RETENTION, daily/weekly/monthly), and once a week restores
 * the newest backup into a scratch database and compares it with its manifest — as
 * `zhibo backup verify` does. Admins can also "backup now" / "verify now"; every run is a row of
 * security_backups / security_backup_verifications, and a failure is a platform alert (health),
 * which becomes an incident when it is not resolved by a later success.
 *
 * One lease (the job's name) covers all of it, so two nodes or a click and the schedule never
 * run a backup or a restore test at the same time.
 */

export const BACKUP_JOB = 'security.backup';
/** Longest a backup plus its restore test may hold the lease before another node may take it. */
const LEASE_MS = 3 * 3600_000;
const ALERT_SUBJECT = BACKUP_JOB;

type BackupRow = Selectable<SecurityBackupsTable>;
type VerificationRow = Selectable<SecurityBackupVerificationsTable>;

export interface BackupSettings {
  dir: string | null;
  /** `HH:MM` Shanghai; null: scheduled backups are off. */
  time: string | null;
  retention: { daily: number; weekly: number; monthly: number };
  encrypted: boolean;
}

export function backupSettings(ctx: AppContext): BackupSettings {
  const c = ctx.config;
  const dir = c.backupDir ?? (c.dataDir && c.dataDir !== 'memory://' ? path.join(c.dataDir, 'backups') : null);
  return { dir, time: c.backupTime === undefined ? DEFAULT_BACKUP_TIME : c.backupTime, retention: c.backupRetention ?? DEFAULT_RETENTION, encrypted: !!c.backupKey };
}

export interface VerificationView {
  id: number;
  trigger: RunTrigger;
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  state: VerificationRow['state'];
  phase: string | null;
  restoredInto: string | null;
  restoreMs: number | null;
  tablesChecked: number | null;
  tablesDifferent: number | null;
  problems: string[];
  error: string | null;
  /** The 《备份恢复测试报告》 file written beside the backup (name only), null if none. */
  reportFileName: string | null;
}

export interface BackupView {
  id: number;
  trigger: RunTrigger;
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  state: BackupRow['state'];
  phase: string | null;
  fileName: string | null;
  bytes: number | null;
  sha256: string | null;
  kind: string | null;
  schemaVersion: string | null;
  tableCount: number | null;
  totalRows: number | null;
  encrypted: boolean;
  durationMs: number | null;
  error: string | null;
  prunedAt: string | null;
  /** The retention tiers that keep it (daily, weekly, monthly); empty once pruned or failed. */
  keptAs: RetentionTier[];
  /** The newest restore test of this backup, if any. */
  verification: VerificationView | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function verificationView(v: VerificationRow): VerificationView {
  const r = v.report;
  return {
    id: v.id, trigger: v.trigger, requestedBy: v.requested_by, startedAt: v.started_at.toISOString(), finishedAt: iso(v.finished_at),
    state: v.state, phase: v.phase, restoredInto: v.restored_into, restoreMs: v.restore_ms,
    tablesChecked: r ? r.tables.length : null, tablesDifferent: r ? r.tables.filter((t) => !t.ok).length : null,
    problems: r?.problems ?? [], error: v.error, reportFileName: v.report_file ? path.basename(v.report_file) : null,
  };
}

function backupView(b: BackupRow, verification: VerificationRow | undefined, keptAs: RetentionTier[]): BackupView {
  return {
    id: b.id, trigger: b.trigger, requestedBy: b.requested_by, startedAt: b.started_at.toISOString(), finishedAt: iso(b.finished_at),
    state: b.state, phase: b.phase, fileName: b.file_path ? path.basename(b.file_path) : null, bytes: b.bytes, sha256: b.sha256, kind: b.kind,
    schemaVersion: b.schema_version, tableCount: b.table_count, totalRows: b.total_rows, encrypted: b.encrypted, durationMs: b.duration_ms,
    error: b.error, prunedAt: iso(b.pruned_at), keptAs, verification: verification ? verificationView(verification) : null,
  };
}

/** Good backups whose files are still kept, for retention. */
async function keptBackups(ctx: SecurityContext): Promise<{ id: number; startedAt: Date }[]> {
  const rows = await ctx.db.selectFrom('security_backups').select(['id', 'started_at']).where('state', '=', 'ok').where('pruned_at', 'is', null).execute();
  return rows.map((r) => ({ id: r.id, startedAt: r.started_at }));
}

export interface BackupList {
  items: BackupView[];
  total: number;
  settings: BackupSettings & { nextAt: string | null };
  running: boolean;
  lastVerifiedAt: string | null;
  lastBackupAt: string | null;
}

export async function listBackups(root: AppContext, q: { limit?: number; offset?: number } = {}): Promise<BackupList> {
  const ctx = securityContext(root);
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const rows = await ctx.db.selectFrom('security_backups').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  const [{ n }] = await ctx.db.selectFrom('security_backups').select((eb) => eb.fn.countAll<number>().as('n')).execute() as [{ n: number }];
  const ids = rows.map((r) => r.id);
  const verifications = ids.length
    ? await ctx.db.selectFrom('security_backup_verifications').selectAll().where('backup_id', 'in', ids).orderBy('started_at', 'desc').orderBy('id', 'desc').execute()
    : [];
  const newest = new Map<number, VerificationRow>();
  for (const v of verifications) if (!newest.has(v.backup_id)) newest.set(v.backup_id, v);
  const settings = backupSettings(ctx);
  const kept = retention(await keptBackups(ctx), settings.retention).keep;
  const running = rows.some((r) => r.state === 'running') || verifications.some((v) => v.state === 'running');
  const lastOk = await ctx.db.selectFrom('security_backup_verifications').select('finished_at').where('state', '=', 'ok').orderBy('finished_at', 'desc').limit(1).executeTakeFirst();
  const lastBackup = await ctx.db.selectFrom('security_backups').select('started_at').where('state', '=', 'ok').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  const minutes = settings.time ? parseBackupTime(settings.time) : null;
  return {
    items: rows.map((r) => backupView(r, newest.get(r.id), r.pruned_at || r.state !== 'ok' ? [] : kept.get(r.id) ?? [])),
    total: Number(n),
    settings: { ...settings, nextAt: minutes === null ? null : nextBackupAt(ctx.clock.now(), minutes).toISOString() },
    running,
    lastVerifiedAt: iso(lastOk?.finished_at ?? null),
    lastBackupAt: iso(lastBackup?.started_at ?? null),
  };
}

/** Work started by "backup now" / "verify now" that is still under way in this process (tests and shutdown wait for it). */
const inFlight = new Set<Promise<void>>();

export async function settledBackupWork(): Promise<void> {
  while (inFlight.size) await Promise.allSettled([...inFlight]);
}

/** Phase updates in order, each after the previous (the PGlite connection may be held meanwhile). */
function phaseWriter(write: (phase: BackupPhase) => Promise<unknown>) {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    onPhase: (phase: BackupPhase) => {
      chain = chain.then(() => write(phase)).catch(() => undefined);
    },
    settled: () => chain,
  };
}

function engine(ctx: AppContext): BackupEngine {
  if (!ctx.backups) throw new AppError(503, 'BACKUPS_UNAVAILABLE', '此进程未启用备份 / backups are not available in this process');
  return ctx.backups;
}

const errorText = (err: unknown) => ((err as Error)?.message ?? String(err)).slice(0, 2000);

/** Backs the database up into the backup directory, recording the run in `row`. Throws when it failed (after recording). */
async function performBackup(ctx: SecurityContext, id: number): Promise<BackupRow> {
  const settings = backupSettings(ctx);
  const phases = phaseWriter((phase) => ctx.db.updateTable('security_backups').set({ phase }).where('id', '=', id).execute());
  try {
    if (!settings.dir) throw new AppError(409, 'BACKUP_DIR_UNSET', '未设置备份目录（ZHIBO_BACKUP_DIR） / no backup directory: set ZHIBO_BACKUP_DIR');
    await mkdir(settings.dir, { recursive: true, mode: 0o700 });
    const startedAt = ctx.clock.now();
    const stamp = new Date(startedAt.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    const file = path.join(settings.dir, `zhibo-backup-${ctx.database.kind}-${stamp}-${id}.tar`);
    const m = await engine(ctx).backupOf(ctx.database, file, { key: ctx.config.backupKey ?? null, pgBinDir: ctx.config.pgBinDir ?? null, now: () => startedAt, onPhase: phases.onPhase });
    await phases.settled();
    const bytes = (await stat(file)).size;
    const row = await ctx.db.updateTable('security_backups').set({
      state: 'ok', phase: null, finished_at: ctx.clock.now(), file_path: file, bytes, sha256: m.payload.sha256, kind: m.kind, schema_version: m.schemaVersion,
      table_count: m.tables.length, total_rows: m.totalRows, encrypted: !!m.encryption, duration_ms: m.durationMs, manifest: JSON.stringify(m),
    }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await clearPlatformAlert(ctx, 'backup_failed', ALERT_SUBJECT);
    return row;
  } catch (err) {
    await phases.settled();
    const error = errorText(err);
    await ctx.db.updateTable('security_backups').set({ state: 'failed', phase: null, finished_at: ctx.clock.now(), error }).where('id', '=', id).execute();
    await reportPlatformAlert(ctx, { kind: 'backup_failed', subject: ALERT_SUBJECT, detail: `备份 #${id} 失败：${error}`, link: '/security' });
    throw err;
  }
}

const RESTORED_INTO = {
  pglite: '临时内置数据库（内存，核对后关闭）',
  postgres: '临时 PostgreSQL 数据库（核对后删除）',
} as const;

/** Restores backup `backupId` into a scratch database and compares; records the result in verification `id`. */
async function performVerification(ctx: SecurityContext, id: number, backup: BackupRow): Promise<VerifyReport | null> {
  const phases = phaseWriter((phase) => ctx.db.updateTable('security_backup_verifications').set({ phase }).where('id', '=', id).execute());
  let report: VerifyReport | null = null;
  let error: string | null = null;
  try {
    if (!backup.file_path || backup.pruned_at) throw new AppError(409, 'BACKUP_PRUNED', '备份文件已按保留策略删除 / the backup file was deleted by retention');
    report = await engine(ctx).verify(backup.file_path, {
      key: ctx.config.backupKey ?? null, pgBinDir: ctx.config.pgBinDir ?? null, scratchServerUrl: ctx.database.url ?? null, onPhase: phases.onPhase,
    });
  } catch (err) {
    error = errorText(err);
  }
  await phases.settled();
  const ok = report?.ok === true;
  const { manifest: _manifest, ...stored } = report ?? { manifest: null };
  await ctx.db.updateTable('security_backup_verifications').set({
    state: ok ? 'ok' : 'failed', phase: null, finished_at: ctx.clock.now(),
    restored_into: report ? RESTORED_INTO[report.manifest.kind] : null, restore_ms: report?.restoreMs ?? null,
    report: report ? JSON.stringify(stored) : null, error,
  }).where('id', '=', id).execute();
  await writeTestReportFile(ctx, id, backup);
  if (ok) {
    await clearPlatformAlert(ctx, 'backup_verify_failed', ALERT_SUBJECT);
  } else {
    const why = error ?? report!.problems.join('；');
    await reportPlatformAlert(ctx, {
      kind: 'backup_verify_failed', subject: ALERT_SUBJECT,
      detail: `备份 #${backup.id}（${backup.file_path ? path.basename(backup.file_path) : '—'}）恢复测试未通过：${why}`,
      link: '/security',
    });
  }
  return report;
}

/**
 * 《备份恢复测试报告》 of verification `id` as a file beside the backup (`<backup>.restore-test-<id>.docx`),
 * so the backup folder holds the proof with the backup. A failure to write is logged, never fails the test.
 */
async function writeTestReportFile(ctx: SecurityContext, id: number, backup: BackupRow): Promise<void> {
  if (!backup.file_path || !backup.manifest) return;
  const file = `${backup.file_path.replace(/\.tar$/, '')}.restore-test-${id}.docx`;
  try {
    const v = await ctx.db.selectFrom('security_backup_verifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    await writeFile(file, await testReportOf(ctx, backup, v), { mode: 0o600 });
    await ctx.db.updateTable('security_backup_verifications').set({ report_file: file }).where('id', '=', id).execute();
  } catch (err) {
    ctx.log.warn({ job: BACKUP_JOB, verification: id, reason: errorText(err) }, 'restore test report not written');
  }
}

/** Deletes the files retention no longer keeps; the rows stay (pruned_at). Returns the ids pruned. */
export async function pruneBackups(root: AppContext): Promise<number[]> {
  const ctx = securityContext(root);
  const { prune } = retention(await keptBackups(ctx), backupSettings(ctx).retention);
  if (!prune.length) return [];
  const rows = await ctx.db.selectFrom('security_backups').select(['id', 'file_path']).where('id', 'in', prune).execute();
  for (const r of rows) if (r.file_path) await rm(r.file_path, { force: true });
  await ctx.db.updateTable('security_backups').set({ pruned_at: ctx.clock.now() }).where('id', 'in', prune).execute();
  return prune;
}

async function insertBackup(ctx: SecurityContext, trigger: RunTrigger, actor: Actor): Promise<BackupRow> {
  return ctx.db.insertInto('security_backups').values({ trigger, requested_by: actor.username, node: NODE_ID, started_at: ctx.clock.now(), phase: 'dump' }).returningAll().executeTakeFirstOrThrow();
}

async function insertVerification(ctx: SecurityContext, backupId: number, trigger: RunTrigger, actor: Actor): Promise<VerificationRow> {
  return ctx.db.insertInto('security_backup_verifications').values({ backup_id: backupId, trigger, requested_by: actor.username, started_at: ctx.clock.now(), phase: 'check' })
    .returningAll().executeTakeFirstOrThrow();
}

async function newestGoodBackup(ctx: SecurityContext): Promise<BackupRow | undefined> {
  return ctx.db.selectFrom('security_backups').selectAll().where('state', '=', 'ok').where('pruned_at', 'is', null)
    .orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export interface BackupJobResult {
  backedUp: number | null;
  pruned: number[];
  verified: number | null;
}

/**
 * The job `security.backup` (every few minutes, under its lease): the daily backup once its
 * Shanghai time has come and none has started since; retention; the weekly restore test of the
 * newest good backup. A failed backup or test is recorded and alerted, then thrown, so that the
 * job's run is a failure too (health_job_state).
 */
export async function runBackupJob(root: AppContext): Promise<BackupJobResult> {
  const ctx = securityContext(root);
  const settings = backupSettings(ctx);
  const result: BackupJobResult = { backedUp: null, pruned: [], verified: null };
  const minutes = settings.time ? parseBackupTime(settings.time) : null;
  if (minutes === null) return result;
  const now = ctx.clock.now();
  const last = await ctx.db.selectFrom('security_backups').select('started_at').where('trigger', '=', 'scheduled').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  if (!backupDue(now, minutes, last?.started_at ?? null)) return result;
  const row = await insertBackup(ctx, 'scheduled', systemActor(BACKUP_JOB));
  await performBackup(ctx, row.id);
  result.backedUp = row.id;
  result.pruned = await pruneBackups(ctx);
  const lastTest = await ctx.db.selectFrom('security_backup_verifications').select('started_at').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  if (verificationDue(ctx.clock.now(), lastTest?.started_at ?? null)) {
    const newest = await newestGoodBackup(ctx);
    if (newest) {
      const v = await insertVerification(ctx, newest.id, 'scheduled', systemActor(BACKUP_JOB));
      const report = await performVerification(ctx, v.id, newest);
      result.verified = newest.id;
      if (!report?.ok) throw new Error(`备份 #${newest.id} 恢复测试未通过`);
    }
  }
  return result;
}

/** Runs `work` in the background under the job's lease (taken now: 409 when a backup or a test is under way). */
async function underLease(ctx: SecurityContext, start: () => Promise<{ id: number }>, work: (id: number) => Promise<unknown>): Promise<number> {
  // A holder of its own: the lease is never "already ours" for a second click or for the scheduled run of this node.
  const holder = `${NODE_ID}:manual:${randomUUID().slice(0, 8)}`;
  if (!(await takeLease(ctx, BACKUP_JOB, LEASE_MS, holder))) {
    throw conflict('BACKUP_RUNNING', '已有备份或恢复测试正在进行，请稍后再试 / a backup or a restore test is under way: try again when it has finished');
  }
  let id: number;
  try {
    id = (await start()).id;
  } catch (err) {
    await releaseLease(ctx, BACKUP_JOB, holder);
    throw err;
  }
  const p = (async () => {
    try {
      await work(id);
    } catch (err) {
      ctx.log.warn({ job: BACKUP_JOB, id, reason: errorText(err) }, 'backup work failed');
    } finally {
      await releaseLease(ctx, BACKUP_JOB, holder).catch(() => undefined);
    }
  })();
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
  return id;
}

/** "Backup now": starts a backup and answers at once with its row (state running); audited. */
export async function startBackupNow(root: AppContext, actor: Actor): Promise<BackupView> {
  const ctx = securityContext(root);
  const id = await underLease(ctx, async () => {
    const row = await insertBackup(ctx, 'manual', actor);
    await audit(ctx, ctx.db, actor, { action: 'security.backup.run', targetType: 'backup', targetId: String(row.id), detail: {} });
    return row;
  }, async (backupId) => {
    await performBackup(ctx, backupId);
    await pruneBackups(ctx);
  });
  return getBackup(ctx, id);
}

/** "Verify now": restores backup `id` into a scratch database in the background; audited. */
export async function startVerifyNow(root: AppContext, actor: Actor, backupId: number): Promise<BackupView> {
  const ctx = securityContext(root);
  const backup = await ctx.db.selectFrom('security_backups').selectAll().where('id', '=', backupId).executeTakeFirst();
  if (!backup) throw notFound('备份 / backup');
  if (backup.state !== 'ok') throw conflict('BACKUP_NOT_OK', '只能测试成功的备份 / only a successful backup can be restore-tested');
  if (backup.pruned_at) throw conflict('BACKUP_PRUNED', '备份文件已按保留策略删除 / the backup file was deleted by retention');
  await underLease(ctx, async () => {
    const v = await insertVerification(ctx, backupId, 'manual', actor);
    await audit(ctx, ctx.db, actor, { action: 'security.backup.verify', targetType: 'backup', targetId: String(backupId), detail: { verification: v.id } });
    return v;
  }, (vid) => performVerification(ctx, vid, backup));
  return getBackup(ctx, backupId);
}

export async function getBackup(root: AppContext, id: number): Promise<BackupView> {
  const ctx = securityContext(root);
  const row = await ctx.db.selectFrom('security_backups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('备份 / backup');
  const v = await ctx.db.selectFrom('security_backup_verifications').selectAll().where('backup_id', '=', id).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const kept = row.state === 'ok' && !row.pruned_at ? retention(await keptBackups(ctx), backupSettings(ctx).retention).keep.get(id) ?? [] : [];
  return backupView(row, v, kept);
}

/** 《备份恢复测试报告》 of a backup's newest finished restore test (docs/decisions/0015-backup-format.md). */
export async function backupTestReport(root: AppContext, id: number): Promise<{ body: Buffer; day: string }> {
  const ctx = securityContext(root);
  const row = await ctx.db.selectFrom('security_backups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('备份 / backup');
  const v = await ctx.db.selectFrom('security_backup_verifications').selectAll().where('backup_id', '=', id).where('state', '!=', 'running')
    .orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!v || !row.manifest) throw conflict('NOT_VERIFIED', '该备份尚未做过恢复测试 / this backup has not been restore-tested yet');
  return { body: await testReportOf(ctx, row, v), day: new Date((v.finished_at ?? v.started_at).getTime() + 8 * 3600_000).toISOString().slice(0, 10) };
}

/** The .docx of one finished restore test of `row` (which has its manifest). */
async function testReportOf(ctx: SecurityContext, row: BackupRow, v: VerificationRow): Promise<Buffer> {
  const stored = v.report ?? { ok: false, tables: [], migrationsOk: false, pendingMigrations: [], unknownMigrations: [], restoreMs: 0, problems: [v.error ?? '恢复失败'] };
  const report: VerifyReport = { ...stored, ok: v.state === 'ok' && stored.ok, problems: v.error && v.report ? [...stored.problems, v.error] : stored.problems, manifest: row.manifest! };
  return engine(ctx).testReportDocx(report, { file: row.file_path ?? '—', verifiedAt: v.finished_at ?? v.started_at, restoredInto: v.restored_into ?? '—' });
}
