import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { archiveNow } from '../jobs.js';
import { archiveSettings, listArchives, restoreArchive, verifyArchiveFile, type ArchiveVerifyResult } from '../modules/ingest/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { RootContext } from '../schema.js';
import { reportCliError, withRuntime, type GlobalOpts } from './run.js';

/*
 * zhibo archive run | list | restore FILE | verify [FILE] (docs/用户手册.md 第 26 章,
 * docs/decisions/0032-archive-by-batched-delete.md). Exit codes: 0 done; 1 refused (a file that
 * does not match its manifest is not restored); 2 a setting; 3 verify found a difference.
 */

type Print = (line: string) => void;
const cliActor = () => systemActor(`cli:${process.env.USER ?? 'unknown'}`);
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(2)} MB`;

/** `archive run`: what the nightly job does, now. */
export async function runArchiveCommand(ctx: RootContext, print: Print = console.log): Promise<number> {
  const r = await archiveNow(ctx);
  if (r.skipped) {
    print(`未归档 / nothing archived: ${r.skipped}`);
    return 2;
  }
  for (const f of r.files) print(`${f.file}  ${f.month}  ${f.table}  ${f.rows} 行 / rows  ${mb(f.bytes)}  sha256 ${f.sha256}`);
  print(r.files.length ? `已归档 ${r.files.length} 个文件，删除 ${r.deleted} 行 / archived ${r.files.length} files, deleted ${r.deleted} rows` : '没有到期的数据 / nothing is due');
  return 0;
}

/** `archive list`: the files written, newest month first. */
export async function listArchiveCommand(ctx: RootContext, print: Print = console.log): Promise<number> {
  const r = await listArchives(ctx, { limit: 10_000, offset: 0 });
  print(`归档目录 / archive directory: ${r.dir ?? '-'}; 原始事件保留 / events kept ${r.eventRetentionMonths} 月 / months; 已处理隔离区保留 / resolved quarantine kept ${r.quarantineRetentionDays} 天 / days`);
  for (const a of r.items) {
    print(`${a.month}  ${a.table}  ${a.rows} 行 / rows  ${mb(a.bytes)}  sha256 ${a.sha256}  ${a.finishedAt ? '已删除原始行 / deleted from the table' : `删除中 / deleting (${a.deletedRows})`}${a.restoredAt ? `  已恢复 / restored ${a.restoredRows}` : ''}`);
    print(`  ${a.restoreCommand}`);
  }
  if (!r.items.length) print('尚无归档 / no archives yet');
  return 0;
}

/** `archive restore FILE`: puts the rows back; a second restore adds none. */
export async function restoreArchiveCommand(ctx: RootContext, file: string, print: Print = console.log): Promise<number> {
  const r = await restoreArchive(ctx, cliActor(), path.resolve(file));
  print(`已恢复 / restored ${r.table} ${r.month}: ${r.inserted} 行写回 / rows put back, ${r.rows - r.inserted} 行已在库中 / already present (${r.rows} 行 / rows in the file)`);
  return 0;
}

/** `archive verify [FILE]`: checksum and row count of one file, or of every file in the archive directory. */
export async function verifyArchiveCommand(dir: string | null, file: string | undefined, print: Print = console.log): Promise<number> {
  let files: string[];
  if (file) files = [path.resolve(file)];
  else if (!dir) {
    print('未设置归档目录（ZHIBO_ARCHIVE_DIR） / no archive directory (ZHIBO_ARCHIVE_DIR)');
    return 2;
  } else files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.manifest.json')).sort().map((f) => path.join(dir, f));
  const results: ArchiveVerifyResult[] = [];
  for (const f of files) {
    const r = await verifyArchiveFile(f);
    results.push(r);
    print(`${r.ok ? 'ok       ' : 'DIFFERENT'}  ${path.basename(r.file)}  ${r.rows}/${r.manifest.rows} 行 / rows${r.problems.length ? `  ${r.problems.join('; ')}` : ''}`);
  }
  const bad = results.filter((r) => !r.ok).length;
  print(bad ? `${bad} 个文件与清单不符 / ${bad} files differ from their manifests` : `${results.length} 个文件与清单一致 / ${results.length} files match their manifests`);
  return bad ? 3 : 0;
}

export function registerArchiveCommands(program: Command, globals: () => GlobalOpts): void {
  const archive = program.command('archive').description('数据归档：到期原始事件与已处理隔离区按月归档 / data lifecycle: monthly archive files of old raw data');
  archive.command('run').description('立即归档到期月份并删除已归档行 / archive the due months now and delete what was archived')
    .action(() => withRuntime(globals(), ({ ctx }) => runArchiveCommand(ctx)));
  archive.command('list').description('列出归档文件 / list the archive files')
    .action(() => withRuntime(globals(), ({ ctx }) => listArchiveCommand(ctx)));
  archive.command('restore').description('把归档文件的行写回数据库（可重复执行，不会重复写入） / put an archive file\'s rows back (idempotent)')
    .argument('<file>', 'the .jsonl.gz file or its .manifest.json')
    .action((file: string) => withRuntime(globals(), ({ ctx }) => restoreArchiveCommand(ctx, file)));
  archive.command('verify').description('校验归档文件的 SHA-256 与行数（不打开数据库） / check archive files against their manifests (no database)')
    .argument('[file]', 'one file; default: every file in the archive directory')
    .action(async (file: string | undefined) => {
      try {
        process.exitCode = await verifyArchiveCommand(archiveSettings({ config: loadConfig(process.env, globals()) }).dir, file);
      } catch (err) {
        process.exitCode = reportCliError(err);
      }
    });
}
