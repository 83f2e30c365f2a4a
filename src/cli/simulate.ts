import type { Command } from 'commander';
import {
  HttpError, FAULT_PRESETS, type FaultPreset, formatReport, runSimulation, type SimulationOptions, type SimulationReport,
} from '../modules/simulator/index.js';
import { buildApp } from '../app.js';
import { ensureAdmin } from '../modules/accounts/index.js';
import { recordedHistory } from '../modules/ingest/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { RootContext } from '../schema.js';
import { inProcessFetch } from './in-process-fetch.js';
import { withRuntime, type GlobalOpts } from './run.js';

export { runSimulation } from '../modules/simulator/index.js';

export interface SimulateFlags {
  url: string;
  username: string;
  password?: string;
  lots: string;
  scale?: string;
  speed: string;
  backfill?: string;
  duration?: string;
  seed: string;
  faults: string;
  concurrency: string;
  progress: boolean;
  json?: boolean;
  direct?: boolean;
}

export class UsageError extends Error {}

function positive(name: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} 须为正${integer ? '整' : ''}数 / --${name} must be a positive ${integer ? 'integer' : 'number'}: ${value}`);
  return n;
}

/** Flags → runner options; throws UsageError on bad input. */
export function simulateOptions(o: SimulateFlags, env: NodeJS.ProcessEnv = process.env): SimulationOptions {
  if (!(o.faults in FAULT_PRESETS)) throw new UsageError(`--faults 须为 default | none | heavy / --faults must be default, none or heavy: ${o.faults}`);
  const seed = Number(o.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed 须为整数 / --seed must be an integer: ${o.seed}`);
  const password = o.password ?? env.ZHIBO_ADMIN_PASSWORD;
  if (!password) throw new UsageError('需要密码：--password 或 ZHIBO_ADMIN_PASSWORD / a password is needed: --password or ZHIBO_ADMIN_PASSWORD');
  const options: SimulationOptions = {
    url: o.url,
    username: o.username,
    password,
    lots: positive('lots', o.lots, true),
    seed,
    faults: o.faults as FaultPreset,
    speed: positive('speed', o.speed, false),
    concurrency: positive('concurrency', o.concurrency, true),
    progress: o.progress,
  };
  if (options.speed! < 1) throw new UsageError(`--speed 不能小于 1 / --speed must be at least 1: ${o.speed}`);
  if (o.scale !== undefined) {
    options.scale = positive('scale', o.scale, false);
    if (options.scale > 1) throw new UsageError(`--scale 不能大于 1 / --scale must be at most 1: ${o.scale}`);
  }
  if (o.backfill !== undefined) options.backfillDays = positive('backfill', o.backfill, false);
  if (o.duration !== undefined) options.durationMinutes = positive('duration', o.duration, false);
  return options;
}

/**
 * The backfill through the batch path: registry set up through the app's own routes (in this
 * process, no port), events written by ingestBatch with their simulated hand-over times.
 */
export async function backfillInProcess(ctx: RootContext, options: SimulationOptions): Promise<SimulationReport> {
  // A new data directory has no admin yet: made as `serve` would (ZHIBO_ADMIN_PASSWORD).
  const admin = await ensureAdmin(ctx);
  if (admin.generatedPassword) process.stdout.write(`\n  首次启动：管理员账号 admin 的初始密码 / first start, password of user admin:\n\n      ${admin.generatedPassword}\n\n`);
  const app = await buildApp(ctx);
  try {
    const history = recordedHistory(ctx, systemActor('simulate'));
    const report = await runSimulation({ ...options, url: 'http://in-process', fetch: inProcessFetch(app), deliver: history.sink });
    await history.finish({ simulated: { from: report.from, to: report.to, lots: report.lots, seed: report.seed } });
    return report;
  } finally {
    await app.close();
  }
}

export function registerSimulateCommand(program: Command, globals: () => GlobalOpts): void {
  program
    .command('simulate')
    .description('城市模拟器：像各厂商停车系统一样通过签名接口推送数据 / city simulator: vendor lot systems pushing to the signed ingest API')
    .option('--url <url>', '服务地址 / server URL (ZHIBO_URL)', process.env.ZHIBO_URL ?? 'http://127.0.0.1:8080')
    .option('--username <name>', '管理员账号 / admin user', 'admin')
    .option('--password <password>', '密码 / password (ZHIBO_ADMIN_PASSWORD)')
    .option('--lots <n>', '停车场数 / number of lots', '50')
    .option('--scale <f>', '车位规模系数（zhibo demo 用 0.03） / lot capacity factor (zhibo demo runs 0.03)')
    .option('--speed <x>', '实时模式倍速：从今日零点起以 x 倍追赶到当前时间，之后按实时 / live: from today 00:00 at x× until caught up with the clock, then real time', '60')
    .option('--backfill <days>', '回填最近 N 天（可为小数）后结束 / simulate the last N days (fractions allowed) as fast as possible, then stop')
    .option('--direct', '回填直接写入数据库（批量导入路径，进程内，不经 HTTP；嵌入式数据库时须先停止服务） / backfill straight into the database through the batch import path, in-process (stop the server first when it uses the embedded database)')
    .option('--duration <minutes>', '运行多少分钟后停止 / stop after this many real minutes')
    .option('--seed <n>', '随机种子（同种子同数据） / random seed (same seed, same data)', '2026')
    .option('--faults <preset>', '故障注入 / injected faults: default | none | heavy', 'default')
    .option('--concurrency <n>', '同时发送的接入系统数 / sources sending at once', '4')
    .option('--no-progress', '不显示进度条 / no progress bar')
    .option('--json', '以 JSON 输出报告 / print the report as JSON')
    .addHelpText(
      'after',
      `
示例 / examples:
  zhibo simulate --backfill 7                      最近 7 天的数据 / the last 7 days
  zhibo simulate --speed 60                        今日数据 60 倍速追赶后实时运行 / today at 60×, then live
  zhibo simulate --speed 1 --duration 30 --faults none
  zhibo simulate --backfill 30 --direct            30 天历史经批量路径直接入库 / 30 days through the batch path, in-process
不加 --direct 时只通过 HTTP 访问服务（不打开数据库） / without --direct it talks to the server over HTTP only (no database access).`,
    )
    .action(async (o: SimulateFlags) => {
      let options: SimulationOptions;
      try {
        options = simulateOptions(o);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`zhibo: ${err.message}`);
        process.exitCode = 2;
        return;
      }
      if (o.direct && options.backfillDays === undefined) {
        console.error('zhibo: --direct 只用于 --backfill / --direct goes with --backfill');
        process.exitCode = 2;
        return;
      }
      const controller = new AbortController();
      const onSignal = () => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write('\n正在停止（再按一次立即退出） / stopping (press again to quit now)…\n');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const run = { ...options, signal: controller.signal, log: (line: string) => console.error(line) };
        const print = (report: SimulationReport) => {
          if (o.json) console.log(JSON.stringify(report, null, 2));
          else for (const line of formatReport(report)) console.log(line);
          return report.error || report.sent.failedBatches > 0 ? 1 : 0;
        };
        if (o.direct) {
          await withRuntime(globals(), async ({ ctx }) => print(await backfillInProcess(ctx, run)));
          return;
        }
        process.exitCode = print(await runSimulation(run));
      } catch (err) {
        if (err instanceof HttpError) console.error(`zhibo: ${err.message}`);
        else if ((err as Error)?.name === 'AbortError' || controller.signal.aborted) console.error('zhibo: 已停止 / stopped');
        else console.error(`zhibo: ${(err as Error)?.message ?? err}`);
        process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
