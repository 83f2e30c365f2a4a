import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { generateWorkReport, parseMonthPeriod, parseWeek, renderDocx, renderXlsx, workReportDocument } from '../modules/health/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import { badRequest } from '../platform/errors.js';
import type { RootContext } from '../schema.js';
import { reportCommandGroup } from './report.js';
import { reportCliError, withRuntime, type GlobalOpts } from './run.js';

const FORMATS = ['docx', 'xlsx', 'json'] as const;
type Format = (typeof FORMATS)[number];

export interface WorkReportCliOptions {
  week?: string;
  month?: string;
  format?: string;
  out?: string;
}

function cliFormat(opts: WorkReportCliOptions): Format {
  const fromOut = opts.out ? path.extname(opts.out).slice(1).toLowerCase() : '';
  const f = opts.format ?? ((FORMATS as readonly string[]).includes(fromOut) ? fromOut : 'docx');
  if (!(FORMATS as readonly string[]).includes(f)) throw badRequest('INVALID_FORMAT', `--format 须为 docx | xlsx | json / --format: docx, xlsx or json (got ${f})`);
  return f as Format;
}

/**
 * `zhibo report weekly --week 2026-W49` and `zhibo report monthly --month 2026-11`: the work report
 * (周报/月报) generated from the ledgers, stored as the period's next draft version (the report
 * centre lists it) and written to --out as .docx, .xlsx or JSON.
 */
export function registerWorkReportCommands(program: Command, globals: () => GlobalOpts): void {
  const group = reportCommandGroup(program);
  for (const kind of ['weekly', 'monthly'] as const) {
    const cmd = group.command(kind).description(kind === 'weekly' ? '运维周报（ISO 周） / weekly work report (ISO week)' : '运维月报 / monthly work report');
    if (kind === 'weekly') cmd.requiredOption('--week <YYYY-Www>', 'ISO 周（上海日历），如 2026-W49 / ISO week, e.g. 2026-W49');
    else cmd.requiredOption('--month <YYYY-MM>', '月份（上海日历月），如 2026-11 / the month, e.g. 2026-11');
    cmd
      .option('--format <format>', 'docx | xlsx | json（默认取 --out 的扩展名，否则 docx） / default: the extension of --out, else docx')
      .option('--out <file>', '输出文件（默认 运维周报-2026-W49.docx） / output file')
      .action((o: WorkReportCliOptions) => {
        try {
          if (kind === 'weekly') parseWeek(o.week);
          else parseMonthPeriod(o.month);
          cliFormat(o);
        } catch (err) {
          process.exitCode = reportCliError(err);
          return;
        }
        return withRuntime(globals(), ({ ctx }) => runWorkReport(ctx, kind, o));
      });
  }
}

/** The command's work, separate from the runtime so that tests can call it. Returns the exit code. */
export async function runWorkReport(ctx: RootContext, kind: 'weekly' | 'monthly', opts: WorkReportCliOptions, print: (line: string) => void = console.log): Promise<number> {
  const format = cliFormat(opts);
  const period = kind === 'weekly' ? opts.week! : opts.month!;
  const r = await generateWorkReport(ctx, systemActor(`cli:${process.env.USER ?? 'unknown'}`), { kind, period });
  const name = `${kind === 'weekly' ? '运维周报' : '运维月报'}-${r.period}`;
  const file = path.resolve(opts.out ?? `${name}.${format}`);
  const doc = workReportDocument(r.content, { problems: r.problems, nextPlan: r.nextPlan, version: r.version, state: r.state });
  await writeFile(file, format === 'json' ? JSON.stringify(r, null, 2) : format === 'docx' ? await renderDocx(doc) : await renderXlsx(doc));
  const t = r.content.tickets;
  print(`已写入 / written: ${file}`);
  print(`${r.content.label}（第 ${r.version} 版）：受理工单 ${t.total} 件，办结 ${t.closed} 件，系统事件 ${r.content.incidents.total} 起 / ${r.period} v${r.version}: ${t.total} work orders, ${t.closed} closed, ${r.content.incidents.total} incidents`);
  return 0;
}
