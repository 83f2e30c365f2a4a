/*
 * npm run bench:demo — how long `npm run demo` takes from a fresh data directory to a console
 * worth looking at (issue 15): the overview with today's entries, live occupancy and at least
 * 90 % of lots normal in sync.
 *
 * Runs `node bin/zhibo.js demo` (the built program, as `npm run demo` does) on a temporary data
 * directory and a free port, polls the API — signing in as admin until the server answers — and
 * records: when the server was reachable, when the overview met all three conditions, and how
 * long one console page call (the parking records list, GET /api/v1/sessions) took while waiting.
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
  const pageCalls: number[] = [];
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
          // A console page while waiting: the parking records list, as the records page asks for it.
          const t = performance.now();
          const page = await fetch(`${base}/api/v1/sessions?limit=20`, { headers: auth, signal: AbortSignal.timeout(10_000) });
          await page.arrayBuffer();
          if (page.ok) pageCalls.push(performance.now() - t);
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
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (readyAt === null || !overview) throw new Error(`no usable overview within ${TIMEOUT_S} s:\n${output}`);
  const pageMs = pageCalls.length ? Math.max(...pageCalls) : null;

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
    `A console page while waiting (GET /api/v1/sessions?limit=20, ${pageCalls.length} call${pageCalls.length === 1 ? '' : 's'}): slowest ${pageMs === null ? '—' : `${pageMs.toFixed(0)} ms`}${pageMs !== null ? (pageMs < 1000 ? ' (< 1 s)' : ' (over 1 s)') : ''}.`,
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
