import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { rebuildAnalytics, type RebuildResult } from '../modules/analytics/index.js';
import { refreshThemeRollup, type RollupResult } from '../modules/themes/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import { audit } from '../platform/context.js';
import type { RootContext } from '../schema.js';
import { AppError } from '../platform/errors.js';
import { formatShanghai, shanghaiDayStart } from '../platform/time.js';
import { reportCliError, withRuntime, type GlobalOpts } from './run.js';

const DAY_MS = 86_400_000;

export interface AnalyticsRebuildCliOptions {
  from: string;
  to: string;
}

/** The `analytics` command group; other analytics commands may add themselves to it. */
export function analyticsCommandGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'analytics') ?? program.command('analytics').description('数据分析 / analytics');
}

export function registerAnalyticsCommands(program: Command, globals: () => GlobalOpts): void {
  analyticsCommandGroup(program)
    .command('rebuild')
    .description('重算日期范围内的全部汇总（上海日期，含 --to 当日） / recompute every rollup of a range of Shanghai days (--to included)')
    .requiredOption('--from <YYYY-MM-DD>', '起始日期 / first day')
    .requiredOption('--to <YYYY-MM-DD>', '结束日期（含） / last day, included')
    .action((o: AnalyticsRebuildCliOptions) => {
      // Bad dates are refused before the database is opened.
      try {
        rebuildRange(o);
      } catch (err) {
        process.exitCode = reportCliError(err);
        return;
      }
      return withRuntime(globals(), ({ ctx }) => runAnalyticsRebuild(ctx, o));
    });
}

/** [start of --from, end of --to) as instants. */
export function rebuildRange(o: AnalyticsRebuildCliOptions): { from: Date; to: Date } {
  const from = shanghaiDayStart(o.from);
  const last = shanghaiDayStart(o.to);
  if (!from || !last) throw new AppError(400, 'BAD_DATE', `日期须为 YYYY-MM-DD / dates must be YYYY-MM-DD: ${!from ? o.from : o.to}`);
  if (last < from) throw new AppError(400, 'BAD_PERIOD', `--to 早于 --from / --to is before --from: ${o.from} … ${o.to}`);
  return { from, to: new Date(last.getTime() + DAY_MS) };
}

/** The command's work, separate from the runtime so that tests can call it. Returns the exit code. */
export async function runAnalyticsRebuild(ctx: RootContext, opts: AnalyticsRebuildCliOptions, print: (line: string) => void = console.log): Promise<number> {
  const { from, to } = rebuildRange(opts);
  const bar = process.stdout.isTTY ? progressBar() : null;
  let result: RebuildResult;
  let themes: RollupResult;
  try {
    result = await rebuildAnalytics(ctx, from, to, bar?.update);
    // The themes' lot-hour rollup (decision 0019) is rebuilt whole: every lot, all its reports.
    themes = await refreshThemeRollup(ctx, { all: true });
  } finally {
    bar?.stop();
  }
  const actor = systemActor(`cli:${process.env.USER ?? 'unknown'}`);
  await audit(ctx, ctx.db, actor, {
    action: 'analytics.rebuild',
    targetType: 'analytics',
    targetId: `${opts.from}..${opts.to}`,
    detail: { from: result.from.toISOString(), to: result.to.toISOString(), asOf: result.asOf.toISOString(), lots: result.lots, lotHourRows: result.lotHourRows, groupHourRows: result.groupHourRows, themeLotHourRows: themes.rows },
  });
  print(
    `重算完成 / rebuilt ${opts.from} … ${opts.to}（截至 / as of ${formatShanghai(result.asOf)}）: ${result.lots} 个停车场 / lots — ` +
      `小时 hour rows ${result.lotHourRows}, 日 day ${result.lotDayRows}, 月 month ${result.lotMonthRows}; ` +
      `分组 group rows ${result.groupHourRows} / ${result.groupDayRows} / ${result.groupMonthRows}; ` +
      `专题 theme lot-hour rows ${themes.rows}`,
  );
  return 0;
}

/** A terminal progress bar over the rebuild's chunks (lot batches, then months of group rows). */
function progressBar(): { update: (done: number, total: number) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    { format: '重算 rebuild {bar} {percentage}% | {value}/{total} 批 chunks | {duration_formatted}', stream: process.stdout, hideCursor: true, fps: 5, barsize: 24 },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    update: (done, total) => {
      if (!running) {
        bar.start(Math.max(total, 1), done);
        running = true;
      } else bar.update(done);
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}
