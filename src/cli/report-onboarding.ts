import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  onboardingReport, parseReportFormat, REPORT_FORMATS, type OnboardingReport, type ReportFormat, parseQuarter, fileNames,
} from '../modules/onboarding/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { RootContext } from '../schema.js';
import { reportCommandGroup } from './report.js';
import { reportCliError, withRuntime, type GlobalOpts } from './run.js';

export interface OnboardingReportCliOptions {
  quarter: string;
  format?: string;
  out?: string;
}

/** `zhibo report onboarding`: the quarterly 县市区停车场接入进展清单, in the `report` group. */
export function registerOnboardingReportCommand(program: Command, globals: () => GlobalOpts): void {
  reportCommandGroup(program)
    .command('onboarding')
    .description('县市区停车场接入进展清单（季度） / quarterly county onboarding progress list')
    .requiredOption('--quarter <YYYYQn>', '季度（上海日历季度），如 2026Q4 / the quarter (Shanghai calendar), e.g. 2026Q4')
    .option('--format <format>', 'xlsx | docx | json（默认取 --out 的扩展名，否则 xlsx） / default: the extension of --out, else xlsx')
    .option('--out <file>', '输出文件（默认 县市区停车场接入进展清单-YYYYQn.<format>） / output file')
    .action((o: OnboardingReportCliOptions) => {
      // Bad input is refused before the database is opened.
      try {
        parseQuarter(o.quarter);
        cliFormat(o);
      } catch (err) {
        process.exitCode = reportCliError(err);
        return;
      }
      return withRuntime(globals(), ({ ctx }) => runOnboardingReport(ctx, o));
    });
}

function cliFormat(opts: OnboardingReportCliOptions): ReportFormat {
  const fromOut = opts.out ? path.extname(opts.out).slice(1).toLowerCase() : '';
  return parseReportFormat(opts.format ?? ((REPORT_FORMATS as readonly string[]).includes(fromOut) ? fromOut : 'xlsx'));
}

export function onboardingSummary(r: OnboardingReport): string {
  const t = r.totals;
  const pct = t.coveragePercent === null ? '—' : `${t.coveragePercent.toFixed(1)}%`;
  return `${r.label}（截至 ${r.asOfDay}）：已接入停车场 ${t.connectedLots} 个（本季度新增 ${t.connectedThisQuarter}），正在对接 ${t.inProgress} 个（逾期 ${t.overdue}），接入覆盖率 ${pct} / `
    + `${r.quarter}: ${t.connectedLots} lots connected (${t.connectedThisQuarter} new), ${t.inProgress} in progress (${t.overdue} overdue), coverage ${pct}`;
}

/** The command's work, separate from the runtime so that tests can call it. Returns the exit code. */
export async function runOnboardingReport(ctx: RootContext, opts: OnboardingReportCliOptions, print: (line: string) => void = console.log): Promise<number> {
  const format = cliFormat(opts);
  const out = await onboardingReport(ctx, systemActor(`cli:${process.env.USER ?? 'unknown'}`), { quarter: opts.quarter, format });
  const file = path.resolve(opts.out ?? fileNames(out.report, format).fileName);
  await writeFile(file, out.format === 'json' ? JSON.stringify(out.report, null, 2) : out.body);
  print(`已写入 / written: ${file}`);
  print(onboardingSummary(out.report));
  return 0;
}
