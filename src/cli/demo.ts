import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pretty from 'pino-pretty';
import { sql } from 'kysely';
import { buildApp } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { lockDataDir } from '../db/data-dir-lock.js';
import { startJobs } from '../jobs.js';
import { ensureAdmin, issueSystemToken } from '../modules/accounts/index.js';
import { isoShanghai, runSimulation, type SendStats } from '../modules/simulator/index.js';
import { createLogger, openRuntime, type Runtime } from '../runtime.js';
import { demoLotSet, parkedNow, SIMULATOR_ACCOUNT, writeDemoCity, type DemoPhase } from './demo-city.js';
import { reportCliError, type GlobalOpts } from './run.js';
import { Terminal } from './terminal.js';

/*
 * `zhibo demo`: a city on one's own machine, alive within a minute (docs/performance.md, "Demo").
 * On a new data directory it registers the simulator's lots, writes a month of history set-based
 * and rebuilds the rollups — all before listening, with a progress bar — then listens (on
 * 127.0.0.1 unless --host says otherwise: the password is published) and the simulator sends
 * live traffic through the signed API from now on, starting from the cars the history left
 * parked. The terminal shows one refreshing status line, no request log.
 */

/** Demo admin password when none is set: the demo is for looking around on one's own machine. */
export const DEMO_ADMIN_PASSWORD = 'Zhibo-Demo-2026';
/** What makes a directory a demo's: `--reset` deletes only directories that hold it. */
export const DEMO_MARKER = 'zhibo-demo.json';
/** Share of live entries and exits that carry a snapshot, so that the demo's records show photos (decision 0036). */
const DEMO_PHOTO_SHARE = 0.2;

interface DemoFlags {
  port?: string;
  host?: string;
  lots: string;
  days: string;
  scale: string;
  seed: string;
  reset?: boolean;
  simulate: boolean;
}

interface Marker {
  kind: 'zhibo-demo';
  createdAt: string;
  lots: number;
  days: number;
  scale: number;
  seed: number;
  /** 'pending' while the first start writes the city; 'done' once written. */
  city: 'pending' | 'done';
  historyUntil?: string;
}

export class DemoUsageError extends Error {}

function number(name: string, raw: string, min: number, max: number, integer: boolean): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new DemoUsageError(`--${name} 须为 ${min}–${max} 的${integer ? '整' : ''}数 / --${name} must be a${integer ? 'n integer' : ' number'} from ${min} to ${max}: ${raw}`);
  }
  return n;
}

export function demoSettings(o: DemoFlags): { lots: number; days: number; scale: number; seed: number } {
  return {
    lots: number('lots', o.lots, 1, 2000, true),
    days: number('days', o.days, 0, 90, true),
    scale: number('scale', o.scale, 0.001, 1, false),
    seed: number('seed', o.seed, 0, 2 ** 31 - 1, true),
  };
}

const readMarker = (dir: string): Marker | null => {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, DEMO_MARKER), 'utf8')) as Marker;
    return m.kind === 'zhibo-demo' ? m : null;
  } catch {
    return null;
  }
};
const writeMarker = (dir: string, m: Marker) => writeFileSync(path.join(dir, DEMO_MARKER), `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });

/** A directory the demo may use: missing, empty, or one it made. Anything else is someone's data. */
export function checkDemoDir(dir: string): void {
  if (!existsSync(dir) || readdirSync(dir).length === 0 || readMarker(dir)) return;
  throw new DemoUsageError(
    `${dir} 不是演示数据目录（没有 ${DEMO_MARKER}），演示不会写入或删除它；请换一个目录（--data-dir） / `
      + `${dir} is not a demo data directory (no ${DEMO_MARKER}): the demo neither writes to nor deletes it; choose another (--data-dir)`,
  );
}

/** `--reset`: deletes the demo's data directory, once sure it is a demo's and no process holds it. */
export function resetDemoDir(dir: string): boolean {
  if (!existsSync(dir)) return false;
  checkDemoDir(dir);
  const unlock = lockDataDir(dir); // throws DataDirBusyError while a server runs on it
  unlock();
  rmSync(dir, { recursive: true, force: true });
  return true;
}

export function registerDemoCommand(program: Command, globals: () => GlobalOpts): void {
  program
    .command('demo')
    .description('演示：一个月的城市历史、实时模拟与控制台，一分钟内可用 / demo: a month of city history, live simulation and the console, ready within a minute')
    .option('--port <port>', '端口 / port (ZHIBO_PORT, default 8080)')
    .option('--host <host>', '监听地址，默认仅本机（演示密码是公开的） / listen address; default 127.0.0.1 (the demo password is public)')
    .option('--reset', '删除演示数据目录后重新开始 / delete the demo data directory and start over')
    .option('--lots <n>', '停车场数 / simulated lots', '300')
    .option('--days <n>', '历史天数 / days of history', '30')
    .option('--scale <f>', '车位规模系数（车流随之缩放） / lot capacity factor (traffic scales with it)', '0.03')
    .option('--seed <n>', '随机种子 / random seed', '2026')
    .option('--no-simulate', '只登记停车场，不生成历史也不模拟实时数据 / registry only: no history, no live traffic')
    .addHelpText('after', `
数据目录默认为 ./data/demo（--data-dir 或 ZHIBO_DATA_DIR）；已有演示数据时直接启动并继续实时模拟。
The data directory defaults to ./data/demo (--data-dir or ZHIBO_DATA_DIR); an existing demo starts at once and carries on live.
示例 / examples:
  npm run demo                                  默认城市 / the default city (300 lots × 30 days)
  npm run demo -- --reset                       重新开始 / start over
  npm run demo -- --port 8090 --data-dir /tmp/zhibo-demo`)
    .action((o: DemoFlags) => runDemo(globals(), o));
}

async function runDemo(g: GlobalOpts, o: DemoFlags): Promise<void> {
  const started = Date.now();
  const term = new Terminal();
  let rt: Runtime | null = null;
  try {
    const settings = demoSettings(o);
    const dataDir = path.resolve(g.dataDir ?? process.env.ZHIBO_DATA_DIR ?? 'data/demo');
    const postgres = Boolean(g.databaseUrl ?? process.env.ZHIBO_DATABASE_URL);
    if (o.reset) {
      if (postgres) throw new DemoUsageError('--reset 只用于内嵌数据库；PostgreSQL 请自行新建数据库 / --reset is for the embedded database only; with PostgreSQL create a new database');
      if (resetDemoDir(dataDir)) term.print(`已删除演示数据 / deleted the demo data: ${dataDir}`);
    }
    checkDemoDir(dataDir);
    const password = process.env.ZHIBO_ADMIN_PASSWORD || DEMO_ADMIN_PASSWORD;
    process.env.ZHIBO_ADMIN_PASSWORD = password;
    const config = loadConfig(process.env, { ...g, dataDir, host: o.host ?? '127.0.0.1', ...(o.port ? { port: o.port } : {}) });
    // Warnings only, printed above the status line; ZHIBO_LOG_LEVEL=info brings the request log back.
    const logLevel = process.env.ZHIBO_LOG_LEVEL ? config.logLevel : 'warn';
    const log = createLogger({ ...config, logLevel }, false, pretty({ destination: term.logStream(), sync: true, colorize: term.tty, translateTime: 'SYS:HH:MM:ss' }));

    const opening = term.phase('打开数据库 / database');
    rt = await openRuntime(config, { log });
    const { ctx } = rt;
    opening.end(`${ctx.database.kind}${rt.applied.length ? `, ${rt.applied.length} migrations` : ''}`);
    await ensureAdmin(ctx);
    let marker = readMarker(dataDir);
    if (marker?.city === 'pending') {
      throw new DemoUsageError(`上次启动在写入演示数据时中断；请加 --reset 重新开始 / the last start was interrupted while writing the demo city; start over with --reset`);
    }
    const app = await buildApp(ctx);
    let fresh = false;
    let secrets: Map<string, string> | undefined;
    let parked;
    if (!marker) {
      fresh = true;
      marker = { kind: 'zhibo-demo', createdAt: new Date().toISOString(), ...settings, city: 'pending' };
      writeMarker(dataDir, marker);
      const labels: Record<DemoPhase, string> = {
        registry: '登记停车场 / registry',
        history: `生成历史 / history (${settings.lots} lots × ${settings.days} days)`,
        rollups: '汇总指标 / rollups',
        monitoring: '同步监控 / monitoring',
      };
      let current: { phase: DemoPhase; bar: ReturnType<Terminal['phase']> } | null = null;
      const city = await writeDemoCity(ctx, app, {
        ...settings, password, registryOnly: !o.simulate, photoShare: DEMO_PHOTO_SHARE,
        onPhase: (phase, done, total) => {
          if (current?.phase !== phase) current = { phase, bar: term.phase(labels[phase]) };
          current.bar.update(done, total, `${done}/${total}`);
          if (done >= total) {
            current.bar.end('');
            current = null;
          }
        },
      });
      secrets = city.secrets;
      parked = city.history?.parked;
      if (city.history) {
        const h = city.history;
        term.print(`  ${h.sessions.toLocaleString('en')} 条停车记录 / sessions, ${h.statusReports.toLocaleString('en')} 条泊位状态 / status reports, ${h.payments.toLocaleString('en')} 笔支付 / payments, ${city.set.lots.reduce((n, l) => n + l.totalSpaces, 0).toLocaleString('en')} 个车位 / spaces`);
      }
      marker = { ...marker, city: 'done', ...(city.history ? { historyUntil: city.to.toISOString() } : {}) };
      writeMarker(dataDir, marker);
    }
    const lots = marker.lots;
    const seed = marker.seed;
    const scale = marker.scale;
    if (!fresh && o.simulate) parked = await parkedNow(ctx, demoLotSet(seed, lots, scale), seed);

    const address = await app.listen({ port: config.port, host: config.host });
    const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
    const jobs = startJobs(ctx);
    const readyIn = ((Date.now() - started) / 1000).toFixed(1);
    const cpu = process.cpuUsage();
    term.print('');
    term.print(`  智泊 Zhibo 演示 / demo:  ${url}/`);
    term.print(`  演示账号 / sign-in:      admin / ${password}`);
    term.print(`  数据目录 / data:         ${dataDir}${fresh ? '' : '（已有演示数据 / existing demo）'}   重新开始 / start over: npm run demo -- --reset`);
    term.print(`  就绪用时 / ready in ${readyIn} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)；按 Ctrl-C 停止 / Ctrl-C stops`);
    term.print('');

    const controller = new AbortController();
    const status = liveStatus(ctx, term, lots);
    const stop = async () => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort();
      status.stop();
      term.close();
      for (const job of jobs) job.stop();
      await app.close();
      await rt?.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (!o.simulate) {
      status.idle();
      return;
    }
    // Live traffic through the signed API, from now, at the city's own pace.
    const token = await issueSystemToken(ctx, SIMULATOR_ACCOUNT, '城市模拟器（系统）');
    void runSimulation({
      url, password, token, lots, seed, scale, speed: 1, liveStartAt: Date.now(), parked: parked ?? [],
      photoShare: DEMO_PHOTO_SHARE,
      ...(secrets ? { secrets: Object.fromEntries(secrets) } : {}),
      progress: false, signal: controller.signal,
      log: (line) => log.debug(line),
      onProgress: (simAt, sent) => status.sent(simAt, sent),
    }).then((report) => {
      if (report.error) log.error({ error: report.error }, '实时模拟停止 / live simulation stopped');
    }).catch((err: unknown) => {
      if (!controller.signal.aborted) log.error({ err }, '实时模拟停止 / live simulation stopped');
    });
  } catch (err) {
    term.close();
    await rt?.close();
    if (err instanceof DemoUsageError || err instanceof ConfigError) {
      console.error(`zhibo: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = reportCliError(err);
  }
}

/** The status line: simulated time, events per second, lots with fresh data, today's entries. */
function liveStatus(ctx: Runtime['ctx'], term: Terminal, lots: number) {
  let simAt = Date.now();
  let events = 0;
  const samples: { at: number; events: number }[] = [];
  let live = 0;
  let stopped = false;
  const draw = () => {
    const now = Date.now();
    samples.push({ at: now, events });
    while (samples.length > 2 && now - samples[0]!.at > 10_000) samples.shift();
    const first = samples[0]!;
    const rate = now > first.at ? ((events - first.events) * 1000) / (now - first.at) : 0;
    term.setStatus(`实时 / live  ${isoShanghai(simAt).slice(0, 19).replace('T', ' ')}  ·  ${rate.toFixed(1)} 事件/秒 events/s  ·  数据正常 / lots live ${live}/${lots}`);
  };
  const count = async () => {
    // Lots whose newest data is within their late threshold: monitoring's "normal".
    const r = await sql<{ n: number }>`select count(*)::int as n from lot_live ll join lots l on l.id = ll.lot_id
      left join data_sources s on s.code = l.source_code
      where ll.last_occurred_at > now() - make_interval(mins => coalesce(l.late_threshold_minutes, s.late_threshold_minutes, ${ctx.config.lateThresholdMinutes}))`.execute(ctx.db);
    live = Number(r.rows[0]?.n ?? 0);
  };
  const tick = setInterval(draw, 1000);
  const counter = setInterval(() => void count().catch(() => undefined), 10_000);
  void count().then(draw, () => undefined);
  return {
    sent(at: number, s: SendStats) {
      simAt = at;
      events = s.events;
    },
    idle() {
      clearInterval(tick);
      clearInterval(counter);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(tick);
      clearInterval(counter);
    },
  };
}
