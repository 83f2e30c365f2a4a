import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { sql } from 'kysely';
import { contextOf } from '../../platform/context.js';
import { tlsEndpoints } from '../notifications/index.js';
import { listVulnerabilities, quarterOf, REVIEW_OPEN_JOB } from '../security/index.js';
import type { HealthContext } from './repo.js';

/*
 * The measurements behind the inspection's newer checks (docs/巡检与报告.md §4): backups, TLS
 * certificates of the public URL and of the notification endpoints, table bloat, slow queries,
 * security findings. Each answers what it saw, or why it could not look; checks.ts judges.
 */

/**
 * The manifest of a backup file: its first ustar entry, `manifest.json` (docs/decisions/0015-backup-format.md).
 * Only the header and that entry are read; null when the file does not start so.
 */
async function readManifest(file: string): Promise<{ format?: string; createdAt?: string } | null> {
  const fh = await open(file, 'r');
  try {
    const header = Buffer.alloc(512);
    if ((await fh.read(header, 0, 512, 0)).bytesRead < 512) return null;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    if (name !== 'manifest.json' || !Number.isFinite(size) || size <= 0 || size > 16 * 1024 * 1024) return null;
    const body = Buffer.alloc(size);
    if ((await fh.read(body, 0, size, 512)).bytesRead < size) return null;
    return JSON.parse(body.toString('utf8')) as { format?: string; createdAt?: string };
  } finally {
    await fh.close();
  }
}

export type Backup = { file: string; createdAt: Date } | { error: string } | 'off';

/**
 * The newest backup in ZHIBO_BACKUP_DIR, by the time its manifest says (not the file's mtime):
 * the `*.tar` files newest first by mtime, the first whose manifest reads. 'off' when no folder is
 * configured. The folder, not security's list of the server's own backups (`listBackups`), because
 * backups written there by `zhibo backup --out` count too; whether a backup restores is security's
 * weekly restore test, which raises its own platform alert.
 */
export async function latestBackup(dir: string | null | undefined): Promise<Backup> {
  if (!dir) return 'off';
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.tar'));
  } catch (err) {
    return { error: `无法读取备份目录：${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const files = await Promise.all(names.map(async (n) => ({ file: path.join(dir, n), mtime: (await stat(path.join(dir, n))).mtimeMs })));
  files.sort((a, b) => b.mtime - a.mtime);
  for (const f of files.slice(0, 5)) {
    try {
      const manifest = await readManifest(f.file);
      const at = manifest?.createdAt ? new Date(manifest.createdAt) : null;
      if (manifest?.format === 'zhibo-backup' && at && !Number.isNaN(at.getTime())) return { file: path.basename(f.file), createdAt: at };
    } catch {
      // Not a backup, or damaged: the next one.
    }
  }
  return { error: names.length ? `目录中 ${names.length} 个 .tar 文件均不是可读的智泊备份` : '备份目录中没有备份文件' };
}

/** Days until the certificate of host:port expires, or what went wrong (5 s timeout). */
export function certificateDaysOf(host: string, port: number, now: Date): Promise<number | { error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, servername: host, rejectUnauthorized: false, timeout: 5_000 }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert?.valid_to) return resolve({ error: '对方未提供证书' });
      resolve((new Date(cert.valid_to).getTime() - now.getTime()) / 86_400_000);
    });
    socket.on('timeout', () => { socket.destroy(); resolve({ error: '连接超时' }); });
    socket.on('error', (err) => resolve({ error: err.message }));
  });
}

export interface CertificateProbe { name: string; days: number | { error: string } }

/** The public URL (when https) and every enabled notification channel's https / implicit-TLS endpoint. */
export async function certificates(ctx: HealthContext): Promise<CertificateProbe[]> {
  const now = ctx.clock.now();
  const targets: { name: string; host: string; port: number }[] = [];
  const url = ctx.config.publicUrl;
  if (url?.startsWith('https://')) {
    const u = new URL(url);
    targets.push({ name: `公网地址 ${u.hostname}`, host: u.hostname, port: Number(u.port || 443) });
  }
  for (const e of await tlsEndpoints(contextOf(ctx))) targets.push({ name: `通知渠道「${e.channel}」${e.host}`, host: e.host, port: e.port });
  return Promise.all(targets.map(async (t) => ({ name: t.name, days: await certificateDaysOf(t.host, t.port, now) })));
}

export interface Bloat { tables: { name: string; bytes: number; live: number; dead: number }[]; unusedIndexes: { name: string; bytes: number }[] }

/** Table sizes and dead rows (pg_stat_user_tables), and indexes never scanned since the statistics were reset. */
export async function tableBloat(ctx: HealthContext): Promise<Bloat> {
  const tables = await sql<{ name: string; bytes: string | number; live: string | number; dead: string | number }>`
    select relname as name, pg_total_relation_size(relid) as bytes, n_live_tup as live, n_dead_tup as dead
    from pg_stat_user_tables order by pg_total_relation_size(relid) desc limit 20`.execute(ctx.db);
  const unused = await sql<{ name: string; bytes: string | number }>`
    select s.indexrelname as name, pg_relation_size(s.indexrelid) as bytes
    from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
    where s.idx_scan = 0 and not i.indisunique and not i.indisprimary and pg_relation_size(s.indexrelid) > 8 * 1024 * 1024
    order by pg_relation_size(s.indexrelid) desc limit 10`.execute(ctx.db);
  return {
    tables: tables.rows.map((r) => ({ name: r.name, bytes: Number(r.bytes), live: Number(r.live), dead: Number(r.dead) })),
    unusedIndexes: unused.rows.map((r) => ({ name: r.name, bytes: Number(r.bytes) })),
  };
}

export type SlowQueries = { queries: { text: string; calls: number; meanMs: number }[] } | { unavailable: string };

/** The slowest statements by mean time (pg_stat_statements, at least 5 calls), or why there are none to read. */
export async function slowQueries(ctx: HealthContext): Promise<SlowQueries> {
  if (ctx.database.kind !== 'postgres') return { unavailable: '内嵌数据库（PGlite）不提供 pg_stat_statements' };
  const ext = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'pg_stat_statements'`.execute(ctx.db);
  if (!ext.rows[0]?.n) return { unavailable: '数据库未启用 pg_stat_statements 扩展（需 shared_preload_libraries 加载并 CREATE EXTENSION）' };
  try {
    const rows = await sql<{ text: string; calls: string | number; mean: number }>`
      select left(regexp_replace(query, '\\s+', ' ', 'g'), 120) as text, calls, mean_exec_time as mean
      from pg_stat_statements where calls >= 5 and dbid = (select oid from pg_database where datname = current_database())
      order by mean_exec_time desc limit 5`.execute(ctx.db);
    return { queries: rows.rows.map((r) => ({ text: r.text, calls: Number(r.calls), meanMs: Number(r.mean) })) };
  } catch (err) {
    return { unavailable: `读取 pg_stat_statements 失败：${(err as Error).message.slice(0, 200)}` };
  }
}

export interface SecurityState { overdueVulnerabilities: number; openSevere: number; quarter: string; reviewJobSucceededThisQuarter: boolean; quarterDay: number }

/** From the security module's index: overdue findings (no fix plan past the deadline) and open critical/high ones; the quarter's review job. */
export async function securityState(ctx: HealthContext): Promise<SecurityState> {
  const now = ctx.clock.now();
  const sec = contextOf<never>(ctx);
  const overdue = await listVulnerabilities(sec, { overdue: 'true', limit: '1' });
  const severe = await listVulnerabilities(sec, { severity: 'critical,high', state: 'found,plan_submitted,fixing', limit: '1' });
  const quarter = quarterOf(now);
  const month = (Number(quarter.slice(5)) - 1) * 3 + 1;
  const quarterStart = new Date(`${quarter.slice(0, 4)}-${String(month).padStart(2, '0')}-01T00:00:00+08:00`);
  const job = await ctx.db.selectFrom('health_job_state').select('last_success_at').where('job', '=', REVIEW_OPEN_JOB).executeTakeFirst();
  return {
    overdueVulnerabilities: overdue.total,
    openSevere: severe.total,
    quarter,
    reviewJobSucceededThisQuarter: !!job?.last_success_at && job.last_success_at >= quarterStart,
    quarterDay: Math.floor((now.getTime() - quarterStart.getTime()) / 86_400_000) + 1,
  };
}
