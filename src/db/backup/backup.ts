import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../database.js';
import { lockDataDir } from '../data-dir-lock.js';
import { privateDir, restrictTree, restrictUmask } from '../database.js';
import { listMigrations } from '../migrate.js';
import { decryptTo, encryptFile, type EncryptionInfo } from './crypto.js';
import { connectionArgs, findPgTool, runTool, ToolError } from './pg-tools.js';
import { compareStats, tableStats, type RunSql, type StatDiff, type TableStat } from './stats.js';
import { BackupFileError, readTarEntry, readTarIndex, tarEntryStream, writeTar, type TarEntry } from './tar.js';

/*
 * Backups that are proven (docs/decisions/0015-backup-format.md, docs/用户手册.md 安全运维):
 *
 *   FILE = ustar archive of
 *     manifest.json            what, when, schema version, per-table rows and checksums, payload hash
 *     database.dump[.enc]      PostgreSQL: pg_dump custom format (the server's major version)
 *     pgdata.tar.gz[.enc]      PGlite: its own data-directory dump (dumpDataDir)
 *
 * `createBackup` takes the counts and checksums from the same snapshot the dump sees (PostgreSQL:
 * an exported snapshot handed to pg_dump; PGlite: the data directory is held by this process).
 * `verifyBackup` restores into a scratch database and compares; `restoreBackup` restores into a
 * target that must be empty unless forced, then compares the same way.
 */

export const MANIFEST_NAME = 'manifest.json';
export const FORMAT = 'zhibo-backup';
export const FORMAT_VERSION = 1;

export type BackupKind = 'pglite' | 'postgres';

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  createdAt: string;
  durationMs: number;
  kind: BackupKind;
  serverVersion: string;
  tool: string;
  schemaVersion: string | null;
  migrations: { version: string; checksum: string }[];
  tables: TableStat[];
  totalRows: number;
  payload: { name: string; format: 'pg_dump-custom' | 'pglite-datadir'; bytes: number; sha256: string };
  encryption: EncryptionInfo | null;
}

export interface BackupOptions {
  /** ZHIBO_BACKUP_KEY: encrypts the payload (AES-256-GCM) when set. */
  key?: string | null;
  /** ZHIBO_PG_BIN_DIR: where pg_dump / pg_restore of the server's major version are. */
  pgBinDir?: string | null;
  now?: () => Date;
  /** Hears the step under way (dump, encrypt, write; verify: check, restore, compare), for progress shown in the console. */
  onPhase?: (phase: BackupPhase) => void;
}

export type BackupPhase = 'dump' | 'encrypt' | 'write' | 'check' | 'restore' | 'compare';

export type BackupSource = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

export class TargetNotEmptyError extends Error {}

const pgliteDir = (dataDir: string) => path.join(dataDir, 'pglite');

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sha256Stream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const pgRun = (client: pg.Client): RunSql => async (text) => (await client.query(text)).rows as Record<string, unknown>[];
const pgliteRun = (db: PGlite): RunSql => async (text) => (await db.query<Record<string, unknown>>(text)).rows;

async function migrationsOf(run: RunSql): Promise<{ version: string; checksum: string }[]> {
  const exists = await run(`select to_regclass('public.schema_migrations') is not null as ok`);
  if (!exists[0]?.ok) return [];
  const rows = await run('select version, checksum from schema_migrations order by version');
  return rows.map((r) => ({ version: String(r.version), checksum: String(r.checksum) }));
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zhibo-backup-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Opens the PGlite data directory of `dataDir` for this process only (refused while a server holds it). */
async function openPglite(dataDir: string, load?: Blob): Promise<{ db: PGlite; close: () => Promise<void> }> {
  const unlock = lockDataDir(dataDir);
  try {
    restrictUmask();
    const db = await PGlite.create(pgliteDir(dataDir), load ? { loadDataDir: load } : {});
    return {
      db,
      close: async () => {
        try {
          await db.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** What a dump took from the database: the payload file and the same snapshot's counts and checksums. */
interface Captured {
  stats: TableStat[];
  migrations: { version: string; checksum: string }[];
  serverVersion: string;
  tool: string;
  raw: string;
  payloadFormat: Manifest['payload']['format'];
}

/** Writes a backup of `source` to `out` (atomically: a partial file never has the final name). */
export async function createBackup(source: BackupSource, out: string, opts: BackupOptions = {}): Promise<Manifest> {
  const started = (opts.now ?? (() => new Date()))();
  const t0 = performance.now();
  return withTempDir(async (tmp) => {
    opts.onPhase?.('dump');
    const captured = source.kind === 'postgres' ? await capturePostgres(source.url, tmp, opts) : await capturePgliteDir(source.dataDir, tmp);
    return packageBackup(captured, out, opts, started, t0);
  });
}

/**
 * The running server backs itself up (the scheduled job, "backup now"): PostgreSQL through
 * pg_dump as the CLI does; the embedded PGlite, which no other process may open while the
 * server holds it, in-process — its one connection is held for the counts and the dump
 * (docs/security-operations.md, "Scheduled backups"), so no request writes in between.
 */
export async function createBackupOf(database: Database, out: string, opts: BackupOptions = {}): Promise<Manifest> {
  const started = (opts.now ?? (() => new Date()))();
  const t0 = performance.now();
  return withTempDir(async (tmp) => {
    opts.onPhase?.('dump');
    let captured: Captured;
    if (database.kind === 'postgres') {
      if (!database.url) throw new ToolError('数据库地址未知，无法调用 pg_dump / the database address is unknown: pg_dump cannot be run');
      captured = await capturePostgres(database.url, tmp, opts);
    } else {
      const pglite = database.pglite;
      if (!pglite) throw new ToolError('内置数据库不可用 / the embedded database is not available');
      captured = await database.kysely.connection().execute(async (conn) => {
        const run: RunSql = async (text) => (await sql.raw<Record<string, unknown>>(text).execute(conn)).rows;
        await run('begin isolation level repeatable read');
        let stats: TableStat[];
        let migrations: { version: string; checksum: string }[];
        let serverVersion: string;
        try {
          serverVersion = String((await run(`select current_setting('server_version') as v`))[0]!.v);
          stats = await tableStats(run, { local: true });
          migrations = await migrationsOf(run);
        } finally {
          await run('commit');
        }
        // Still holding the connection: nothing has written since the counts were taken.
        const blob = await pglite.dumpDataDir('gzip');
        const raw = path.join(tmp, 'pgdata.tar.gz');
        await writeFile(raw, Buffer.from(await blob.arrayBuffer()), { mode: 0o600 });
        return { stats, migrations, serverVersion, tool: 'PGlite dumpDataDir (in-process)', raw, payloadFormat: 'pglite-datadir' as const };
      });
    }
    return packageBackup(captured, out, opts, started, t0);
  });
}

async function capturePostgres(url: string, tmp: string, opts: BackupOptions): Promise<Captured> {
  const client = await connect(url);
  try {
    const [v] = (await client.query(`select current_setting('server_version') as v, current_setting('server_version_num')::int as n`)).rows;
    const serverVersion = String(v.v);
    const major = Math.floor(Number(v.n) / 10000);
    const pgDump = findPgTool('pg_dump', major, opts.pgBinDir);
    await client.query('begin isolation level repeatable read, read only');
    const [{ snapshot }] = (await client.query('select pg_export_snapshot() as snapshot')).rows;
    const raw = path.join(tmp, 'database.dump');
    const { dbname, env } = connectionArgs(url);
    const dump = runTool(pgDump, ['--format=custom', `--snapshot=${snapshot}`, `--file=${raw}`, `--dbname=${dbname}`], env);
    dump.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
    let stats: TableStat[];
    let migrations: { version: string; checksum: string }[];
    try {
      stats = await tableStats(pgRun(client));
      migrations = await migrationsOf(pgRun(client));
    } finally {
      await dump; // the snapshot must outlive pg_dump's start; wait before ending the transaction
    }
    await client.query('commit');
    return { stats, migrations, serverVersion, tool: `pg_dump ${major} (${pgDump})`, raw, payloadFormat: 'pg_dump-custom' };
  } finally {
    await client.end();
  }
}

async function capturePgliteDir(dataDir: string, tmp: string): Promise<Captured> {
  if (!existsSync(path.join(pgliteDir(dataDir), 'PG_VERSION'))) {
    throw new BackupFileError(`数据目录 ${dataDir} 中没有数据库 / no database in data directory ${dataDir}`);
  }
  const { db, close } = await openPglite(dataDir);
  try {
    const serverVersion = String((await db.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]!.v);
    const stats = await tableStats(pgliteRun(db));
    const migrations = await migrationsOf(pgliteRun(db));
    const blob = await db.dumpDataDir('gzip');
    const raw = path.join(tmp, 'pgdata.tar.gz');
    await writeFile(raw, Buffer.from(await blob.arrayBuffer()), { mode: 0o600 });
    return { stats, migrations, serverVersion, tool: 'PGlite dumpDataDir', raw, payloadFormat: 'pglite-datadir' };
  } finally {
    await close();
  }
}

/** Encrypts the payload when a key is set and writes manifest + payload as the archive `out`. */
async function packageBackup(c: Captured, out: string, opts: BackupOptions, started: Date, t0: number): Promise<Manifest> {
  let payloadFile = c.raw;
  let encryption: EncryptionInfo | null = null;
  if (opts.key) {
    opts.onPhase?.('encrypt');
    payloadFile = `${c.raw}.enc`;
    encryption = await encryptFile(c.raw, payloadFile, opts.key);
    await rm(c.raw);
  }
  opts.onPhase?.('write');
  const bytes = (await stat(payloadFile)).size;
  const manifest: Manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    createdAt: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    kind: c.payloadFormat === 'pg_dump-custom' ? 'postgres' : 'pglite',
    serverVersion: c.serverVersion,
    tool: c.tool,
    schemaVersion: c.migrations.at(-1)?.version ?? null,
    migrations: c.migrations,
    tables: c.stats,
    totalRows: c.stats.reduce((n, s) => n + s.rows, 0),
    payload: { name: path.basename(payloadFile), format: c.payloadFormat, bytes, sha256: await sha256File(payloadFile) },
    encryption,
  };
  const partial = `${out}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await writeTar(partial, [
      { name: MANIFEST_NAME, data: Buffer.from(JSON.stringify(manifest, null, 2)) },
      { name: manifest.payload.name, data: { path: payloadFile, size: bytes } },
    ], started);
    await rename(partial, out);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return manifest;
}

function parseManifest(buf: Buffer): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(buf.toString('utf8')) as Manifest;
  } catch {
    throw new BackupFileError('备份清单（manifest.json）已损坏 / the backup manifest is damaged (not JSON)');
  }
  if (m?.format !== FORMAT || typeof m.formatVersion !== 'number' || !Array.isArray(m.tables) || !m.payload || !['pglite', 'postgres'].includes(m.kind)) {
    throw new BackupFileError('不是智泊备份文件（清单格式不符） / not a Zhibo backup (the manifest does not match)');
  }
  if (m.formatVersion > FORMAT_VERSION) throw new BackupFileError(`备份格式 ${m.formatVersion} 比本程序新 / backup format ${m.formatVersion} is newer than this program`);
  return m;
}

/** Reads the archive, checks the payload's size and hash, and extracts it (decrypted) to `dir`. */
export async function openBackup(file: string, dir: string, key?: string | null): Promise<{ manifest: Manifest; payload: string }> {
  if (!existsSync(file)) throw new BackupFileError(`备份文件不存在 / no such backup file: ${file}`);
  let entries: TarEntry[];
  try {
    entries = await readTarIndex(file);
  } catch (err) {
    if (err instanceof BackupFileError) throw err;
    throw new BackupFileError(`无法读取备份文件 / cannot read the backup file: ${(err as Error).message}`);
  }
  const first = entries[0];
  if (!first || first.name !== MANIFEST_NAME) throw new BackupFileError('不是智泊备份文件（缺少 manifest.json） / not a Zhibo backup: no manifest.json first');
  const manifest = parseManifest(await readTarEntry(file, first));
  const entry = entries.find((e) => e.name === manifest.payload.name);
  if (!entry) throw new BackupFileError(`备份文件缺少数据部分 ${manifest.payload.name} / the backup lacks its payload ${manifest.payload.name}`);
  if (entry.size !== manifest.payload.bytes) {
    throw new BackupFileError(`数据部分大小不符：清单 ${manifest.payload.bytes} 字节，实际 ${entry.size} 字节 / payload size differs from the manifest`);
  }
  const digest = await sha256Stream(tarEntryStream(file, entry));
  if (digest !== manifest.payload.sha256) {
    throw new BackupFileError('备份内容已被改动或损坏（SHA-256 与清单不符） / the backup has been altered or damaged: its SHA-256 differs from the manifest');
  }
  const out = path.join(dir, manifest.payload.name.replace(/\.enc$/, ''));
  if (manifest.encryption) await decryptTo(tarEntryStream(file, entry), out, key, manifest.encryption);
  else await writeFile(out, await readTarEntry(file, entry), { mode: 0o600 });
  return { manifest, payload: out };
}

export interface VerifyReport {
  ok: boolean;
  manifest: Manifest;
  tables: StatDiff[];
  migrationsOk: boolean;
  /** Migrations this program has that the backup lacks (restoring it then migrates forward). */
  pendingMigrations: string[];
  /** Migrations in the backup this program does not know (it is older than the backup). */
  unknownMigrations: string[];
  restoreMs: number;
  problems: string[];
}

function report(manifest: Manifest, actual: TableStat[], migrations: { version: string; checksum: string }[], restoreMs: number): VerifyReport {
  const tables = compareStats(manifest.tables, actual);
  const problems: string[] = [];
  for (const t of tables.filter((d) => !d.ok)) {
    problems.push(`表 ${t.table}：清单 ${t.expectedRows ?? '无'} 行，恢复后 ${t.actualRows ?? '无'} 行${t.expectedRows === t.actualRows ? '（校验和不同）' : ''} / table ${t.table} differs`);
  }
  const key = (m: { version: string; checksum: string }) => `${m.version}:${m.checksum}`;
  const migrationsOk = manifest.migrations.map(key).join(',') === migrations.map(key).join(',');
  if (!migrationsOk) problems.push('恢复后的迁移记录与清单不符 / the restored migrations differ from the manifest');
  const known = listMigrations();
  const had = new Set(migrations.map((m) => m.version));
  const knownVersions = new Set(known.map((m) => m.version));
  const changed = migrations.filter((m) => known.some((k) => k.version === m.version && k.checksum !== m.checksum)).map((m) => m.version);
  if (changed.length) problems.push(`迁移 ${changed.join(', ')} 的内容与本程序不同 / migrations ${changed.join(', ')} differ from this program's`);
  return {
    ok: problems.length === 0,
    manifest,
    tables,
    migrationsOk,
    pendingMigrations: known.filter((k) => !had.has(k.version)).map((k) => k.name),
    unknownMigrations: migrations.filter((m) => !knownVersions.has(m.version)).map((m) => m.version),
    restoreMs,
    problems,
  };
}

async function restorePg(pgRestore: string, payload: string, url: string): Promise<void> {
  const { dbname, env } = connectionArgs(url);
  await runTool(pgRestore, ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${dbname}`, payload], env);
}

async function serverMajor(url: string): Promise<number> {
  const client = await connect(url);
  try {
    return Math.floor(Number((await client.query(`select current_setting('server_version_num')::int as n`)).rows[0].n) / 10000);
  } finally {
    await client.end();
  }
}

async function statsOfUrl(url: string): Promise<{ stats: TableStat[]; migrations: { version: string; checksum: string }[] }> {
  const client = await connect(url);
  try {
    return { stats: await tableStats(pgRun(client)), migrations: await migrationsOf(pgRun(client)) };
  } finally {
    await client.end();
  }
}

export interface VerifyOptions extends BackupOptions {
  /** A PostgreSQL server (any database on it) where a scratch database may be created: needed for PostgreSQL backups. */
  scratchServerUrl?: string | null;
}

/** Restores into a scratch database and compares with the manifest. Damaged files throw BackupFileError. */
export async function verifyBackup(file: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  return withTempDir(async (tmp) => {
    opts.onPhase?.('check');
    const { manifest, payload } = await openBackup(file, tmp, opts.key);
    const t0 = performance.now();
    opts.onPhase?.('restore');
    if (manifest.kind === 'pglite') {
      const db = await PGlite.create({ loadDataDir: new Blob([await readFile(payload)]) });
      try {
        opts.onPhase?.('compare');
        const stats = await tableStats(pgliteRun(db));
        const migrations = await migrationsOf(pgliteRun(db));
        return report(manifest, stats, migrations, Math.round(performance.now() - t0));
      } finally {
        await db.close();
      }
    }
    if (!opts.scratchServerUrl) {
      throw new ToolError('校验 PostgreSQL 备份需要一个可建临时库的服务器：--database-url 或 ZHIBO_DATABASE_URL / verifying a PostgreSQL backup needs a server for a scratch database: --database-url or ZHIBO_DATABASE_URL');
    }
    const pgRestore = findPgTool('pg_restore', await serverMajor(opts.scratchServerUrl), opts.pgBinDir);
    const name = `zhibo_verify_${randomBytes(6).toString('hex')}`;
    const admin = await connect(opts.scratchServerUrl);
    try {
      await admin.query(`create database ${name}`);
      const url = new URL(opts.scratchServerUrl);
      url.pathname = `/${name}`;
      try {
        await restorePg(pgRestore, payload, url.toString());
        opts.onPhase?.('compare');
        const { stats, migrations } = await statsOfUrl(url.toString());
        return report(manifest, stats, migrations, Math.round(performance.now() - t0));
      } finally {
        await admin.query(`drop database if exists ${name} with (force)`);
      }
    } finally {
      await admin.end();
    }
  });
}

export type RestoreTarget = { dataDir: string } | { databaseUrl: string };

/** Disaster recovery: restores into an empty target (or a non-empty one with `force`), then verifies it. */
export async function restoreBackup(file: string, target: RestoreTarget, opts: BackupOptions & { force?: boolean } = {}): Promise<VerifyReport> {
  return withTempDir(async (tmp) => {
    const { manifest, payload } = await openBackup(file, tmp, opts.key);
    const t0 = performance.now();
    if ('dataDir' in target) {
      if (manifest.kind !== 'pglite') throw new BackupFileError('这是 PostgreSQL 备份，请用 --database-url 恢复 / this is a PostgreSQL backup: restore it with --database-url');
      const dir = pgliteDir(target.dataDir);
      privateDir(target.dataDir);
      const unlock = lockDataDir(target.dataDir);
      try {
        if (existsSync(dir) && readdirSync(dir).length > 0) {
          if (!opts.force) throw new TargetNotEmptyError(`目标数据目录 ${target.dataDir} 已有数据库；确认覆盖请加 --force / the data directory ${target.dataDir} already holds a database: add --force to replace it`);
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        unlock();
      }
      const { db, close } = await openPglite(target.dataDir, new Blob([await readFile(payload)]));
      try {
        const stats = await tableStats(pgliteRun(db));
        const migrations = await migrationsOf(pgliteRun(db));
        return report(manifest, stats, migrations, Math.round(performance.now() - t0));
      } finally {
        await close();
        restrictTree(dir);
      }
    }
    if (manifest.kind !== 'postgres') throw new BackupFileError('这是内置数据库（PGlite）备份，请用 --data-dir 恢复 / this is an embedded-database (PGlite) backup: restore it with --data-dir');
    const client = await connect(target.databaseUrl);
    try {
      const [{ n }] = (await client.query(`select count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S')`)).rows;
      if (n > 0) {
        if (!opts.force) throw new TargetNotEmptyError(`目标数据库不为空（public 中有 ${n} 个对象）；确认覆盖请加 --force / the target database is not empty (${n} objects in public): add --force to replace them`);
        await client.query('drop schema public cascade');
        await client.query('create schema public');
      }
    } finally {
      await client.end();
    }
    const pgRestore = findPgTool('pg_restore', await serverMajor(target.databaseUrl), opts.pgBinDir);
    await restorePg(pgRestore, payload, target.databaseUrl);
    const { stats, migrations } = await statsOfUrl(target.databaseUrl);
    return report(manifest, stats, migrations, Math.round(performance.now() - t0));
  });
}
