/*
 * npm run bench:demo — how long `npm run demo` takes from a fresh data directory to a console
 * worth looking at (issue 15): the overview with today's entries, live occupancy and at least
 * 90 % of lots normal in sync.
 *
 * Runs `node bin/zhibo.js demo` (the built program, as `npm run demo` does) on a temporary data
 * directory and a free port, polls the API — signing in as admin until the server answers — and
 * records: when the server was reachable, when the overview met all three conditions, and how
 * long the API calls of the console's main pages took — in turn while waiting, then for
 * BENCH_DEMO_AFTER seconds (default 30) more while live traffic starts and the jobs run their
 * first ticks (issue 15: every console page answers in < 1 s meanwhile).
 * Prints a summary and writes it into docs/performance.md between the bench:demo markers.
 * BENCH_DEMO_ARGS adds demo flags (e.g. "--lots 100"); BENCH_DEMO_TIMEOUT (s, default 600).
 * Never run by the tests.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOC = path.join(ROOT, 'docs/performance.md');
const PASSWORD = 'Zhibo-Demo-2026';
const TIMEOUT_S = Number(process.env.BENCH_DEMO_TIMEOUT ?? 600);
const AFTER_S = Number(process.env.BENCH_DEMO_AFTER ?? 30);

/** Shanghai calendar date `days` before today, YYYY-MM-DD. */
const shanghaiDate = (days = 0) => new Date(Date.now() + 8 * 3_600_000 - days * 86_400_000).toISOString().slice(0, 10);

/** The API calls the console's main pages make first (web/src/pages), by page. */
const PAGES: { page: string; path: () => string }[] = [
  { page: '全局概览 overview', path: () => '/api/v1/overview' },
  { page: '停车记录 records', path: () => '/api/v1/sessions?limit=20' },
  { page: '停车场 lots', path: () => '/api/v1/lots?limit=20' },
  { page: '同步监控 freshness', path: () => '/api/v1/monitoring/freshness' },
  { page: '告警 alerts', path: () => '/api/v1/monitoring/alerts?state=unresolved' },
  { page: '统计分析 analytics (30 days by day)', path: () => `/api/v1/analytics/kpis?from=${shanghaiDate(30)}&to=${shanghaiDate()}&groupBy=day` },
  { page: '市域专题 themes', path: () => '/api/v1/themes' },
];

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

interface Overview {
  today: { entries: number };
  live: { ratio: number | null; knownLots: number };
  sync: { total: number; ok: number };
  lots: number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zhibo-bench-demo-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const extra = (process.env.BENCH_DEMO_ARGS ?? '').split(/\s+/).filter(Boolean);
  const load = loadavg()[0]!;
  const started = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, ZHIBO_ADMIN_PASSWORD: PASSWORD };
  delete env.ZHIBO_DATABASE_URL;
  delete env.ZHIBO_LOG_LEVEL;
  const child = spawn(process.execPath, ['bin/zhibo.js', 'demo', '--data-dir', dataDir, '--port', String(port), ...extra], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const elapsed = () => (performance.now() - started) / 1000;

  let token: string | null = null;
  let reachableAt: number | null = null;
  let readyAt: number | null = null;

  let overview: Overview | null = null;
  const pageCalls = new Map<string, { ms: number[]; failed: number }>(PAGES.map((p) => [p.page, { ms: [], failed: 0 }]));
  let turn = 0;
  /** The next console page in turn, timed. */
  const callPage = async (auth: Record<string, string>) => {
    const p = PAGES[turn++ % PAGES.length]!;
    const t = performance.now();
    const r = await fetch(`${base}${p.path()}`, { headers: auth, signal: AbortSignal.timeout(20_000) });
    await r.arrayBuffer();
    const calls = pageCalls.get(p.page)!;
    if (r.ok) calls.ms.push(performance.now() - t);
    else calls.failed++;
  };
  try {
    while (elapsed() < TIMEOUT_S) {
      if (child.exitCode !== null) throw new Error(`the demo stopped (exit ${child.exitCode}):\n${output}`);
      try {
        if (!token) {
          const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }), signal: AbortSignal.timeout(5000) });
          if (r.ok) {
            token = ((await r.json()) as { token: string }).token;
            reachableAt = elapsed();
          }
        }
        if (token) {
          const auth = { authorization: `Bearer ${token}` };
          // A console page while waiting, in turn.
          await callPage(auth);
          const r = await fetch(`${base}/api/v1/overview`, { headers: auth, signal: AbortSignal.timeout(10_000) });
          if (r.ok) {
            overview = (await r.json()) as Overview;
            const normal = overview.sync.total > 0 ? overview.sync.ok / overview.sync.total : 0;
            if (overview.today.entries > 0 && overview.live.ratio !== null && overview.live.knownLots > 0 && normal >= 0.9) {
              readyAt = elapsed();
              break;
            }
          }
        }
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    // The pages in turn for a while longer: live traffic arrives, the jobs run their first ticks.
    if (readyAt !== null && token) {
      const until = elapsed() + AFTER_S;
      while (elapsed() < until && child.exitCode === null) {
        for (let i = 0; i < PAGES.length; i++) await callPage({ authorization: `Bearer ${token}` });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (readyAt === null || !overview) throw new Error(`no usable overview within ${TIMEOUT_S} s:\n${output}`);
  const pageRows = PAGES.map(({ page }) => {
    const { ms, failed } = pageCalls.get(page)!;
    const sorted = [...ms].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : null;
    const slowest = sorted.length ? sorted[sorted.length - 1]! : null;
    return { page, calls: ms.length, failed, median, slowest };
  });
  const slowestPage = Math.max(0, ...pageRows.map((r) => r.slowest ?? 0));
  const calls = pageRows.reduce((n, r) => n + r.calls, 0);

  const phases = [...output.matchAll(/^(.+?) ✓ (.*?)\((\d+\.\d) s\)$/gm)].map((m) => ({ phase: m[1]!.trim(), seconds: Number(m[3]) }));
  const demoReady = /ready in (\d+\.\d) s \(CPU (\d+\.\d) s\)/.exec(output);
  const counts = /([\d,]+) 条停车记录 \/ sessions, ([\d,]+) 条泊位状态 \/ status reports, ([\d,]+) 笔支付 \/ payments, ([\d,]+) 个车位 \/ spaces/.exec(output);
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 16)}Z on ${process.platform} ${process.arch}, ${availableParallelism()} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, PGlite; load average ${load.toFixed(1)} at the start (shared machine).`,
    '',
    `Demo: \`npm run demo\` defaults${extra.length ? ` with ${extra.join(' ')}` : ''} on a fresh data directory${counts ? `: ${counts[1]} sessions, ${counts[2]} status reports, ${counts[3]} payments, ${counts[4]} spaces` : ''}.`,
    '',
    '| step | seconds |',
    '|---|---:|',
    ...phases.map((p) => `| ${p.phase} | ${p.seconds.toFixed(1)} |`),
    ...(demoReady ? [`| listening (as the demo reports it; CPU ${demoReady[2]} s) | ${demoReady[1]} |`] : []),
    `| **server reachable** (sign-in answers) | **${reachableAt!.toFixed(1)}** |`,
    `| **overview ready**: today's entries ${overview.today.entries}, live occupancy ${((overview.live.ratio ?? 0) * 100).toFixed(1)} % over ${overview.live.knownLots} lots, ${overview.sync.ok}/${overview.sync.total} lots normal in sync | **${readyAt.toFixed(1)}** |`,
    '',
    `Console pages from the moment the server was reachable until ${AFTER_S} s after the overview was ready (live traffic arriving, jobs running), each page's first API call in turn: ${calls} calls, slowest ${slowestPage.toFixed(0)} ms${slowestPage < 1000 ? ' (all < 1 s)' : ' (over 1 s)'}.`,
    '',
    '| page (API call) | calls | median ms | slowest ms |',
    '|---|---:|---:|---:|',
    ...pageRows.map((r) => `| ${r.page} | ${r.calls}${r.failed ? ` (+${r.failed} failed)` : ''} | ${r.median === null ? '—' : r.median.toFixed(0)} | ${r.slowest === null ? '—' : r.slowest.toFixed(0)} |`),
  ];
  console.log(lines.join('\n'));
  const doc = readFileSync(DOC, 'utf8');
  const block = `<!-- bench:demo:start -->\n${lines.join('\n')}\n<!-- bench:demo:end -->`;
  const re = /<!-- bench:demo:start -->[\s\S]*?<!-- bench:demo:end -->/;
  writeFileSync(DOC, re.test(doc) ? doc.replace(re, block) : `${doc.trimEnd()}\n\n${block}\n`);
  console.log(`\nwritten to ${path.relative(ROOT, DOC)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
