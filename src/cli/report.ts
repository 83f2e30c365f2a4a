import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { parseMonth, downloadSyncReport, parseReportFormat, REPORT_FORMATS, type ReportFormat, summaryLine } from '../modules/monitoring/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { RootContext } from '../schema.js';
import { reportCliError, withRuntime, type GlobalOpts } from './run.js';

/** The `report` command group; other report commands (`report onboarding`, …) add themselves to it. */
export function reportCommandGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'report') ?? program.command('report').description('生成报表 / produce reports');
}

export interface SyncReportCliOptions {
  month: string;
  format?: string;
  out?: string;
}

export function registerReportCommands(program: Command, globals: () => GlobalOpts): void {
  reportCommandGroup(program)
    .command('sync')
    .description('数据同步监控报告（月报） / monthly data sync report')
    .requiredOption('--month <YYYY-MM>', '月份（上海日历月） / the month (Shanghai calendar month)')
    .option('--format <format>', 'xlsx | docx | json（默认取 --out 的扩展名，否则 xlsx） / default: the extension of --out, else xlsx')
    .option('--out <file>', '输出文件（默认 数据同步监控报告-YYYY-MM.<format>） / output file')
    .action((o: SyncReportCliOptions) => {
      // Bad input is refused before the database is opened.
      try {
        parseMonth(o.month);
        syncFormat(o);
      } catch (err) {
        process.exitCode = reportCliError(err);
        return;
      }
      return withRuntime(globals(), ({ ctx }) => runSyncReport(ctx, o));
    });
}

function syncFormat(opts: SyncReportCliOptions): ReportFormat {
  const fromOut = opts.out ? path.extname(opts.out).slice(1).toLowerCase() : '';
  return parseReportFormat(opts.format ?? ((REPORT_FORMATS as readonly string[]).includes(fromOut) ? fromOut : 'xlsx'));
}

/** The command's work, separate from the runtime so that tests can call it. Returns the exit code. */
export async function runSyncReport(ctx: RootContext, opts: SyncReportCliOptions, print: (line: string) => void = console.log): Promise<number> {
  const format = syncFormat(opts);
  const file = await downloadSyncReport(ctx, systemActor(`cli:${process.env.USER ?? 'unknown'}`), { month: opts.month, format }, 'cli');
  const out = path.resolve(opts.out ?? file.fileName);
  await writeFile(out, file.format === 'json' ? JSON.stringify(file.report, null, 2) : file.body);
  print(`已写入 / written: ${out}`);
  print(summaryLine(file.report));
  return 0;
}
