import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { importEvents, type EventImportResult, type ImportProgress, type RowError } from '../modules/ingest/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { RootContext } from '../schema.js';
import { AppError } from '../platform/errors.js';
import { importCommandGroup } from './registry.js';
import { withRuntime, type GlobalOpts } from './run.js';

const cliActor = () => systemActor(`cli:${process.env.USER ?? 'unknown'}`);

/** Errors that stop an import before or while reading the file: exit code 2, like an unreadable file. */
const FILE_ERRORS = new Set(['INVALID_FILE', 'MISSING_COLUMNS', 'UNKNOWN_SOURCE']);
const ERRORS_SHOWN = 20;

export interface EventImportCliOptions {
  source: string;
  dryRun?: boolean;
  errors?: string;
  json?: boolean;
}

export function registerImportEventsCommand(program: Command, globals: () => GlobalOpts): void {
  importCommandGroup(program)
    .command('events <file>')
    .description(
      '导入离线/历史停车事件（.csv/.xlsx/.jsonl），与推送接口同一校验，被拒行进入隔离区；退出码：0 全部接收，1 有被拒行，2 文件无法读取 / ' +
        'import offline or historical events (.csv, .xlsx, .jsonl) through the ingest checks, refused rows quarantined; exit 0 all taken, 1 rows refused, 2 unreadable file',
    )
    .requiredOption('--source <code>', '数据源编码 / data source code')
    .option('--dry-run', '只校验，不写入 / validate only, write nothing')
    .option('--errors <file>', '把被拒行写入 CSV 文件 / write the refused rows to a CSV file')
    .option('--json', '输出 JSON / print the result as JSON')
    .action((file: string, o: EventImportCliOptions) => withRuntime(globals(), ({ ctx }) => runEventImport(ctx, file, o)));
}

/** The command's work, separate from the runtime so that tests can call it. Returns the exit code. */
export async function runEventImport(ctx: RootContext, file: string, opts: EventImportCliOptions, print: (line: string) => void = console.log): Promise<number> {
  const fail = (message: string) => {
    console.error(`zhibo: ${message}`);
    return 2;
  };
  try {
    const s = await stat(file);
    if (!s.isFile()) return fail(`不是文件 / not a file: ${file}`);
  } catch (err) {
    return fail(`无法读取文件 / cannot read ${file}: ${(err as Error).message}`);
  }

  const bar = process.stdout.isTTY && !opts.json ? progressBar() : null;
  let result: EventImportResult;
  try {
    result = await importEvents(ctx, cliActor(), {
      sourceCode: opts.source,
      input: file,
      fileName: path.basename(file),
      dryRun: !!opts.dryRun,
      onProgress: bar?.update,
    });
  } catch (err) {
    bar?.stop();
    if (err instanceof AppError && (FILE_ERRORS.has(err.code) || err.status === 413)) return fail(`${err.code}: ${err.message}`);
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return fail(`无法读取文件 / cannot read ${file}: ${(err as Error).message}`);
    throw err;
  }
  bar?.stop();

  if (opts.errors) await writeFile(opts.errors, errorsCsv(result.errors));
  if (opts.json) print(JSON.stringify(result, null, 2));
  else {
    for (const line of summaryLines(result)) print(line);
    if (opts.errors) {
      if (result.rejected > 0) print(`被拒行已写入 / refused rows written to ${opts.errors}${result.truncated ? `（仅前 ${result.errors.length} 行 / the first ${result.errors.length} only）` : ''}`);
    } else if (result.errors.length > 0) {
      print('');
      print('行号 row   事件编号 eventId          代码 code          说明 message');
      for (const e of result.errors.slice(0, ERRORS_SHOWN)) print(errorLine(e));
      const more = result.rejected - Math.min(ERRORS_SHOWN, result.errors.length);
      if (more > 0) print(`… 另有 ${more} 行被拒，用 --errors FILE 导出全部 / ${more} more refused rows; --errors FILE writes them all`);
    }
  }
  return result.rejected > 0 ? 1 : 0;
}

function summaryLines(r: EventImportResult): string[] {
  const lines: string[] = [];
  if (r.ignoredColumns.length) lines.push(`忽略的列 / ignored columns: ${r.ignoredColumns.join(', ')}`);
  lines.push(
    `${r.dryRun ? '预检（未写入） / dry run, nothing written' : '导入完成 / imported'}: ${r.fileName} 共 ${r.rows} 行 / rows — ` +
      `接收 accepted ${r.accepted}, 重复 duplicates ${r.duplicates}, 拒绝 rejected ${r.rejected}` +
      (r.quarantined ? `（隔离区 ${r.quarantined} 条 / quarantine entries）` : ''),
  );
  return lines;
}

const errorLine = (e: RowError) => `${String(e.row).padEnd(10)}${(e.eventId ?? '-').padEnd(26)}${e.code.padEnd(19)}${e.message}`;

const csvCell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The refused rows as CSV with a UTF-8 BOM (so that Excel reads the Chinese correctly). */
export function errorsCsv(errors: RowError[]): string {
  const lines = ['行号 row,事件编号 eventId,代码 code,说明 message', ...errors.map((e) => [e.row, e.eventId, e.code, e.message].map(csvCell).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A terminal progress bar over the bytes read, with rows/s and the counts so far. */
function progressBar(): { update: (p: ImportProgress) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {percentage}% | {read}/{size} | {rows} 行 rows, {rate} 行/s | 接收 {accepted} 重复 {duplicates} 拒绝 {rejected}',
      stream: process.stdout,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update: (p) => {
      const total = p.totalBytes ?? p.bytesRead;
      const elapsed = Math.max((Date.now() - started) / 1000, 0.001);
      const payload = { read: formatBytes(p.bytesRead), size: formatBytes(total), rows: p.rows, rate: Math.round(p.rows / elapsed), accepted: p.accepted, duplicates: p.duplicates, rejected: p.rejected };
      if (!running) {
        bar.start(Math.max(total, 1), p.bytesRead, payload);
        running = true;
      } else {
        bar.setTotal(Math.max(total, 1));
        bar.update(p.bytesRead, payload);
      }
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}
