import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { writeFile } from 'node:fs/promises';
import { verifyReportDocx } from '../db/backup/report-docx.js';
import { createBackup, restoreBackup, TargetNotEmptyError, verifyBackup, type Manifest, type VerifyReport } from '../db/backup/backup.js';
import { ToolError } from '../db/backup/pg-tools.js';
import { BackupFileError } from '../db/backup/tar.js';
import { reportCliError, type GlobalOpts } from './run.js';

/*
 * zhibo backup [--out FILE] | zhibo backup verify FILE [--report FILE.docx] | zhibo restore FILE (docs/用户手册.md 安全运维,
 * docs/decisions/0015-backup-format.md). The database is the one `serve` uses (--data-dir /
 * ZHIBO_DATA_DIR or --database-url / ZHIBO_DATABASE_URL); a PGlite data directory can only be
 * backed up while no server holds it.
 *
 * Exit codes: 0 done (verify: the restored copy matches the manifest); 2 a setting or a missing
 * tool; 3 verify found a difference; 4 the file is damaged, truncated, altered or not a backup;
 * 5 restore refused a non-empty target.
 */

const stamp = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

function failure(err: unknown): number {
  if (err instanceof BackupFileError) {
    console.error(`zhibo: 备份文件无效 / invalid backup: ${err.message}`);
    return 4;
  }
  if (err instanceof TargetNotEmptyError) {
    console.error(`zhibo: ${err.message}`);
    return 5;
  }
  if (err instanceof ToolError || err instanceof ConfigError) {
    console.error(`zhibo: ${err.message}`);
    return 2;
  }
  return reportCliError(err);
}

async function run(fn: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await fn();
  } catch (err) {
    process.exitCode = failure(err);
  }
}

function printManifest(file: string, m: Manifest): void {
  const size = m.payload.bytes;
  console.log(`备份已写入 / backup written: ${file}`);
  console.log(`  数据库 / database: ${m.kind} ${m.serverVersion}; 工具 / tool: ${m.tool}`);
  console.log(`  架构版本 / schema version: ${m.schemaVersion ?? '-'}; 表 / tables: ${m.tables.length}; 行 / rows: ${m.totalRows}`);
  console.log(`  大小 / size: ${size} bytes; 用时 / took: ${m.durationMs} ms; 加密 / encrypted: ${m.encryption ? 'AES-256-GCM' : '否 / no'}`);
}

export function printReport(r: VerifyReport): void {
  console.table(r.tables.map((t) => ({ table: t.table, manifest: t.expectedRows ?? '-', restored: t.actualRows ?? '-', result: t.ok ? 'ok' : 'DIFFERENT' })));
  console.log(`备份时间 / backed up: ${r.manifest.createdAt}; 数据库 / database: ${r.manifest.kind} ${r.manifest.serverVersion}; 架构版本 / schema: ${r.manifest.schemaVersion ?? '-'}`);
  console.log(`恢复用时 / restore took: ${r.restoreMs} ms; 迁移记录 / migrations: ${r.migrationsOk ? 'ok' : 'DIFFERENT'}`);
  if (r.pendingMigrations.length) console.log(`恢复后启动服务将执行迁移 / serving the restored copy will apply: ${r.pendingMigrations.join(', ')}`);
  if (r.unknownMigrations.length) console.log(`备份含本程序未知的迁移（备份来自更新的版本） / the backup has migrations this program does not know: ${r.unknownMigrations.join(', ')}`);
  for (const p of r.problems) console.error(`不一致 / difference: ${p}`);
  console.log(r.ok ? '结论：恢复副本与清单一致 / result: the restored copy matches the manifest' : '结论：不一致 / result: DIFFERENT');
}

function settings(globals: GlobalOpts): Config {
  return loadConfig(process.env, globals);
}

export function registerBackupCommands(program: Command, globals: () => GlobalOpts): void {
  program
    .command('backup')
    .description('备份数据库；backup verify FILE 校验备份可恢复 / back up the database; `backup verify FILE` proves a backup restores')
    .argument('[action]', 'verify')
    .argument('[file]', 'the backup to verify')
    .option('--out <file>', 'where to write the backup (default ./zhibo-backup-<kind>-<time>.tar)')
    .option('--report <file>', 'verify: also write 《备份恢复测试报告》 (.docx) there')
    .action((action: string | undefined, file: string | undefined, o: { out?: string; report?: string }) =>
      run(async () => {
        const config = settings(globals());
        const opts = { key: config.backupKey ?? null, pgBinDir: config.pgBinDir ?? null };
        if (action === 'verify') {
          if (!file) throw new ConfigError('FILE', 'usage: zhibo backup verify FILE');
          const verifiedAt = new Date();
          const r = await verifyBackup(path.resolve(file), { ...opts, scratchServerUrl: config.databaseUrl });
          printReport(r);
          if (o.report) {
            const restoredInto = r.manifest.kind === 'pglite' ? '临时内置数据库（内存）' : '临时 PostgreSQL 数据库（核对后删除）';
            await writeFile(path.resolve(o.report), await verifyReportDocx(r, { file: path.resolve(file), verifiedAt, restoredInto }));
            console.log(`报告 / report: ${path.resolve(o.report)}`);
          }
          return r.ok ? 0 : 3;
        }
        if (action !== undefined) throw new ConfigError('backup', `unknown action "${action}": use \`zhibo backup [--out FILE]\` or \`zhibo backup verify FILE\``);
        const kind = config.databaseUrl ? 'postgres' : 'pglite';
        const out = path.resolve(o.out ?? `zhibo-backup-${kind}-${stamp(new Date())}.tar`);
        const source = config.databaseUrl ? { kind: 'postgres' as const, url: config.databaseUrl } : { kind: 'pglite' as const, dataDir: config.dataDir };
        printManifest(out, await createBackup(source, out, opts));
        return 0;
      }),
    );

  program
    .command('restore')
    .description('从备份恢复到空的数据目录（--data-dir）或数据库（--database-url） / restore a backup into an empty data directory or database')
    .argument('<file>', 'the backup file')
    .option('--force', 'replace a target that already holds data')
    .action((file: string, o: { force?: boolean }) =>
      run(async () => {
        const flags = globals();
        const config = settings(flags);
        const target = flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : flags.dataDir ? { dataDir: config.dataDir } : config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir };
        const r = await restoreBackup(path.resolve(file), target, { key: config.backupKey ?? null, pgBinDir: config.pgBinDir ?? null, force: !!o.force });
        printReport(r);
        console.log(r.ok ? `已恢复到 / restored into ${'dataDir' in target ? target.dataDir : '--database-url'}` : '恢复后的数据与清单不一致 / the restored data differs from the manifest');
        return r.ok ? 0 : 3;
      }),
    );
}
