/*
 * npm run bench:load — the city at ten times its peak hour against one server while the console's
 * heaviest pages are read (issue 22 §9; docs/performance.md, "Load").
 *
 *   npm run bench:load -- [--minutes 10] [--lots 320] [--factor 10] [--viewers 2] [--seed 2026] [--write]
 *
 * Three processes: the server (`src/main.ts serve` on a fresh data directory, or on a scratch
 * PostgreSQL database when ZHIBO_BENCH_DATABASE_URL is set), the load generator (bench/load-sim.ts:
 * the simulator in live mode, faults as by default) and this one, which plays the console.
 *
 * The load: the simulator's city of `--lots` lots (the full-size city of bench/analytics-data.ts,
 * 320 lots, by default) at its busiest hour of the most recent working day, by the simulator's
 * curves (src/modules/simulator/demand.ts), played `--factor` times faster than real time — so
 * each real minute carries ten minutes of that peak. Before the run the bench generates that hour
 * offline and prints what it holds (entries, exits, status reports, heartbeats, payments per lot).
 * Meanwhile `--viewers` console users (default 2) call, in turn and without pause, the API calls
 * of the heaviest pages: 全局概览 (overview), 统计分析 (30 days of KPIs by day, today by hour),
 * 停车记录 (the records list) and the 数据同步监控 board (lots and sources). It prints p50 / p99
 * per route, errors per route, what the simulator sent and the server accepted, and the server's
 * RSS every 10 s. `--write` puts the summary into docs/performance.md between the bench:load
 * markers. Never run by the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { buildLotSet, dayTypeOf, expectedArrivals, historyHours, isoShanghai, localMidnight, type SimulationReport } from '../src/modules/simulator/index.js';
import { emptyGeneratorStats, generateEvents } from '../src/modules/simulator/generator.js';
import { scratchPostgres } from './scratch-db.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOC = path.join(ROOT, 'docs/performance.md');
const PASSWORD = 'Bench-Load-2026';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RSS_EVERY_MS = 10_000;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
const MINUTES = flag('minutes', 10);
const LOTS = Math.round(flag('lots', 320));
const FACTOR = flag('factor', 10);
const VIEWERS = Math.round(flag('viewers', 2));
const SEED = Math.round(flag('seed', 2026));
const WRITE = process.argv.includes('--write');

const shanghaiDate = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10);

/** The API calls of the console's heaviest pages (web/src/pages), by route. */
const ROUTES: { route: string; path: () => string }[] = [
  { route: 'GET /api/v1/overview', path: () => '/api/v1/overview' },
  { route: 'GET /api/v1/analytics/kpis (30 days by day)', path: () => `/api/v1/analytics/kpis?from=${shanghaiDate(Date.now() - 30 * DAY)}&to=${shanghaiDate(Date.now())}&groupBy=day` },
  { route: 'GET /api/v1/analytics/kpis (today by hour)', path: () => `/api/v1/analytics/kpis?from=${shanghaiDate(Date.now())}&to=${shanghaiDate(Date.now())}&groupBy=hour` },
  { route: 'GET /api/v1/sessions (records list)', path: () => '/api/v1/sessions?limit=20&offset=0' },
  { route: 'GET /api/v1/monitoring/freshness (board, lots)', path: () => '/api/v1/monitoring/freshness' },
  { route: 'GET /api/v1/monitoring/sources (board, sources)', path: () => '/api/v1/monitoring/sources' },
];

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

/** The busiest hour (by the simulator's curves) of the most recent working day before today. */
function peakHour(lots: ReturnType<typeof buildLotSet>['lots']): { startAt: number; arrivals: number } {
  let day = localMidnight(Date.now()) - DAY;
  while (dayTypeOf(shanghaiDate(day + 12 * HOUR)) !== 'workday') day -= DAY;
  let best = { startAt: day, arrivals: -1 };
  for (const h of historyHours(day, day + DAY, 0)) {
    const arrivals = expectedArrivals(lots, [h]);
    if (arrivals > best.arrivals) best = { startAt: h.at, arrivals };
  }
  return best;
}

/** VmRSS of a process in MB (Linux), or null. */
function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);

function collect(child: ChildProcess): { text: () => string } {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-200_000); });
  return { text: () => out };
}

async function scratchDatabase(): Promise<{ url: string; drop: () => Promise<void> } | null> {
  const admin = process.env.ZHIBO_BENCH_DATABASE_URL;
  return admin ? scratchPostgres(admin) : null;
}

async function main(): Promise<void> {
  const set = buildLotSet(SEED, LOTS);
  const peak = peakHour(set.lots);
  // What the peak hour holds, generated offline as the simulator will send it.
  const hourStats = emptyGeneratorStats();
  let hourEvents = 0;
  for (const e of generateEvents(set, { from: peak.startAt, to: peak.startAt + HOUR, seed: SEED }, hourStats)) if (e) hourEvents++;
  const perLotHour = hourEvents / set.lots.length;
  const city = `${set.lots.length} lots (${set.sources.length} sources, ${set.lots.reduce((n, l) => n + l.totalSpaces, 0).toLocaleString('en')} spaces)`;
  console.log(`city: ${city}; peak hour ${isoShanghai(peak.startAt).slice(0, 16)} (working day): ${hourEvents.toLocaleString('en')} events = ${perLotHour.toFixed(1)} per lot-hour `
    + `(entries ${hourStats.entries}, exits ${hourStats.exits}, status ${hourStats.statuses}, heartbeats ${hourStats.heartbeats}, payments ${hourStats.payments}; ${hourStats.turnedAway} cars turned away)`);
  console.log(`load: ×${FACTOR} = ${Math.round(hourEvents * FACTOR).toLocaleString('en')} events per hour (${((hourEvents * FACTOR) / 3600).toFixed(1)} events/s) for ${MINUTES} min; ${VIEWERS} console viewer(s); load average now ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);

  const dataDir = mkdtempSync(path.join(tmpdir(), 'zhibo-bench-load-'));
  const postgres = await scratchDatabase();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, ZHIBO_ADMIN_PASSWORD: PASSWORD, ZHIBO_LOG_LEVEL: 'warn', ZHIBO_HOST: '127.0.0.1' };
  delete env.ZHIBO_DATABASE_URL;
  if (postgres) env.ZHIBO_DATABASE_URL = postgres.url;
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--port', String(port), '--data-dir', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const serverOut = collect(server);
  let sim: ChildProcess | null = null;
  const rss: { atS: number; server: number | null; simulator: number | null }[] = [];
  const calls = new Map(ROUTES.map((r) => [r.route, { ms: [] as number[], errors: 0, statuses: new Map<string, number>() }]));
  let report: SimulationReport | undefined;
  const started = performance.now();
  try {
    // Signed in as admin once the server answers.
    let token: string | null = null;
    for (let i = 0; i < 600 && !token; i++) {
      if (server.exitCode !== null) throw new Error(`the server stopped (exit ${server.exitCode}):\n${serverOut.text()}`);
      try {
        const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }), signal: AbortSignal.timeout(5000) });
        if (r.ok) token = ((await r.json()) as { token: string }).token;
      } catch { /* not listening yet */ }
      if (!token) await new Promise((r) => setTimeout(r, 500));
    }
    if (!token) throw new Error(`the server did not answer:\n${serverOut.text()}`);
    console.log(`server: ${postgres ? 'PostgreSQL' : 'PGlite'} at ${base}, pid ${server.pid}, ready after ${((performance.now() - started) / 1000).toFixed(0)} s`);

    const args = { url: base, password: PASSWORD, lots: LOTS, seed: SEED, speed: FACTOR, startAt: peak.startAt, minutes: MINUTES };
    sim = spawn(process.execPath, ['--import', 'tsx', 'bench/load-sim.ts', JSON.stringify(args)], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const simOut = collect(sim);
    const simExited = new Promise<number | null>((resolve) => sim!.once('exit', (code) => resolve(code)));
    const loadStarted = performance.now();
    const elapsedS = () => (performance.now() - loadStarted) / 1000;
    let done = false;
    void simExited.then(() => { done = true; });

    const sample = () => rss.push({ atS: Math.round(elapsedS()), server: rssMb(server.pid), simulator: rssMb(sim?.pid) });
    sample();
    const sampler = setInterval(sample, RSS_EVERY_MS);
    const auth = { authorization: `Bearer ${token}` };
    const viewer = async (offset: number) => {
      for (let i = offset; !done; i++) {
        const r = ROUTES[i % ROUTES.length]!;
        const c = calls.get(r.route)!;
        const t = performance.now();
        try {
          const res = await fetch(`${base}${r.path()}`, { headers: auth, signal: AbortSignal.timeout(60_000) });
          await res.arrayBuffer();
          if (res.ok) c.ms.push(performance.now() - t);
          else {
            c.errors++;
            c.statuses.set(String(res.status), (c.statuses.get(String(res.status)) ?? 0) + 1);
          }
        } catch (err) {
          c.errors++;
          const why = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
          c.statuses.set(why, (c.statuses.get(why) ?? 0) + 1);
        }
      }
    };
    await Promise.all([...Array.from({ length: VIEWERS }, (_, v) => viewer(v * 2)), simExited]);
    clearInterval(sampler);
    sample();
    const lines = simOut.text().trim().split('\n');
    try {
      report = JSON.parse(lines[lines.length - 1] ?? '') as SimulationReport;
    } catch {
      throw new Error(`the simulator stopped without a report (exit ${sim.exitCode}):\n${simOut.text().slice(-5000)}`);
    }
  } finally {
    if (sim && sim.exitCode === null) sim.kill('SIGTERM');
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  }

  if (!report) throw new Error('no report from the simulator');
  const s = report.sent;
  const simulatedMinutes = (Date.parse(report.to) - Date.parse(report.from)) / 60_000;
  const ingest = `simulated ${report.from.slice(0, 16)} → ${report.to.slice(11, 16)} (${simulatedMinutes.toFixed(0)} min) in ${(report.elapsedMs / 60_000).toFixed(1)} min: `
    + `${s.events.toLocaleString('en')} events sent in ${s.requests.toLocaleString('en')} requests (${(s.events / (report.elapsedMs / 1000)).toFixed(1)} events/s), `
    + `${s.accepted.toLocaleString('en')} accepted, ${s.duplicates.toLocaleString('en')} duplicates, ${s.rejected.toLocaleString('en')} rejected (injected faults), `
    + `${s.failedBatches} failed batches, ${s.retries} retries${report.error ? `; stopped: ${report.error}` : ''}`;
  const rows = ROUTES.map(({ route }) => {
    const c = calls.get(route)!;
    const sorted = [...c.ms].sort((a, b) => a - b);
    const errors = c.errors ? `${c.errors} (${[...c.statuses].map(([k, n]) => `${k}: ${n}`).join(', ')})` : '0';
    return `| ${route} | ${sorted.length + c.errors} | ${quantile(sorted, 0.5).toFixed(0)} | ${quantile(sorted, 0.99).toFixed(0)} | ${errors} |`;
  });
  const rssLine = rss.map((r) => `${r.atS}s ${r.server ?? '?'}`).join(', ');
  const peakRss = Math.max(...rss.map((r) => r.server ?? 0));
  const summary = [
    `Measured ${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end; ${postgres ? 'PostgreSQL' : 'PGlite'}; ${city}; `
      + `peak hour ${perLotHour.toFixed(1)} events per lot-hour × ${FACTOR}; ${MINUTES} min; ${VIEWERS} console viewer(s).`,
    '',
    `Ingest: ${ingest}.`,
    '',
    '| route | calls | p50 (ms) | p99 (ms) | errors |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Server RSS (MB) every 10 s: ${rssLine}; peak ${peakRss} MB.`,
  ].join('\n');
  console.log(`\n${summary}`);
  if (WRITE) {
    const doc = readFileSync(DOC, 'utf8');
    const begin = '<!-- bench:load:begin -->';
    const end = '<!-- bench:load:end -->';
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    if (a < 0 || b < a) throw new Error(`docs/performance.md has no ${begin} … ${end} markers`);
    writeFileSync(DOC, `${doc.slice(0, a + begin.length)}\n${summary}\n${doc.slice(b)}`);
    console.log('written to docs/performance.md');
  }
}

await main();
