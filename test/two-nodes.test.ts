import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Cron } from 'croner';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { backupEngine } from '../src/db/backup/engine.js';
import { openDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { startJobs } from '../src/jobs.js';
import { ensureAdmin } from '../src/modules/accounts/index.js';
import { platformAlertSink, recordJobRun } from '../src/modules/health/index.js';
import { noticeOutbox } from '../src/modules/notifications/index.js';
import { ManualClock } from '../src/platform/clock.js';
import { tablesOf } from '../src/platform/db.js';
import type { App } from '../src/platform/http.js';
import type { JobRunRecord } from '../src/platform/jobs.js';
import { SecretBox } from '../src/platform/secret-box.js';
import { signedHeaders } from '../src/platform/signing.js';
import type { DB, RootContext } from '../src/schema.js';
import { ADMIN_PASSWORD, createPostgresDatabase, testConfig } from './support/backends.js';

/*
 * Two app nodes on one PostgreSQL database (issue 22 §4, docs/deployment.md "Two or more app
 * nodes"): two servers built and listening on their own ports in this process, each with its
 * own connection pool, clock and job runner, as `zhibo serve` builds them. What they prove:
 *
 * - both migrate the empty database at once (the advisory lock lets one do it);
 * - the same signed batch sent to both at the same moment, and an entry batch to one with the
 *   exit batch to the other, pair each session exactly once;
 * - the real job set of both nodes (`startJobs`, paused, fired by hand on manual clocks, the
 *   second node's clock 0.3 s behind) runs each job once per scheduled instant, and each
 *   monitoring alert and each SLA notice is written to the notification outbox once;
 * - with Redis (127.0.0.1:6379, decision 0011), one client address has one public-service
 *   budget across both nodes.
 */

const PG = process.env.ZHIBO_TEST_DATABASE_URL;
const REDIS_URL = process.env.ZHIBO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sh = (t: string) => new Date(`${t.replace(' ', 'T')}+08:00`);

async function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    s.setTimeout(1000);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}
const redisUp = PG ? await reachable(REDIS_URL) : false;

interface Node {
  name: 'a' | 'b';
  ctx: RootContext;
  app: App;
  clock: ManualClock;
  base: string;
  jobs: Cron[];
  runs: JobRunRecord[];
}

async function openNode(url: string) {
  const database = await openDatabase({ databaseUrl: url, dataDir: '' });
  await migrate(database);
  return database;
}

async function startNode(name: 'a' | 'b', url: string, database: Awaited<ReturnType<typeof openNode>>, files: string): Promise<Node> {
  const clock = new ManualClock(sh('2026-12-07 10:00'));
  const runs: JobRunRecord[] = [];
  const ctx: RootContext = {
    config: testConfig({
      databaseUrl: url, tokenTtlMinutes: 60 * 24 * 30, publicRatePerMinute: 4,
      // The nodes stand behind a proxy on loopback (nginx in docs/deployment.md): the client is the X-Forwarded-For address.
      trustProxy: ['127.0.0.1/32'], ...(redisUp ? { redisUrl: REDIS_URL } : {}),
      // Shared storage of both nodes; scheduled backups off (the backup job then has nothing to do).
      backupDir: files, backupTime: null, archiveDir: path.join(files, 'archive'),
    }),
    database,
    db: tablesOf<DB>(database.kysely),
    clock,
    // The same platform key on every node: a source's secret sealed by one is read by the other.
    secrets: new SecretBox('two-nodes-key'),
    log: pino({ level: 'silent' }),
    notices: noticeOutbox,
    jobRuns: async (c, run) => {
      runs.push(run);
      await recordJobRun(c, run);
    },
    backups: backupEngine,
    platformAlerts: platformAlertSink,
  };
  const app = await buildApp(ctx);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { name, ctx, app, clock, base: address, jobs: [], runs };
}

describe.skipIf(!PG)('two app nodes on one PostgreSQL database', () => {
  let a: Node;
  let b: Node;
  let drop: () => Promise<void>;
  let files = '';
  let token = '';
  const secrets = new Map<string, string>();

  const call = async (node: Node, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${node.base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text, json: () => JSON.parse(text) };
  };
  const ok = async (node: Node, method: string, path: string, body?: unknown) => {
    const r = await call(node, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} on node ${node.name}: ${r.status} ${r.body}`);
    return r.json();
  };
  const push = async (node: Node, source: string, events: unknown[]) => {
    const body = JSON.stringify({ events });
    const res = await fetch(`${node.base}/api/v1/ingest/events`, { method: 'POST', headers: signedHeaders(source, secrets.get(source)!, body, node.clock.now()), body });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as { accepted: number; duplicates: number; rejected: number };
  };
  const setClocks = (at: Date, skewMs = 300) => {
    a.clock.set(at);
    b.clock.set(new Date(at.getTime() - skewMs));
  };
  const source = async (code: string, lots: string[]) => {
    secrets.set(code, (await ok(a, 'POST', '/api/v1/sources', { code, name: `系统 ${code}` })).secret);
    for (const lot of lots) {
      await ok(b, 'POST', '/api/v1/lots', { code: lot, name: `停车场 ${lot}`, districtCode: '320602', kind: 'off_street', totalSpaces: 100, lng: 120.86, lat: 32.01, sourceCode: code });
    }
  };

  beforeAll(async () => {
    const created = await createPostgresDatabase();
    drop = created.drop;
    // Both nodes start on the empty database at once: one applies the migrations, the other waits and finds them applied.
    const [da, db] = await Promise.all([openNode(created.url), openNode(created.url)]);
    // The servers are built one after the other (a loaded test machine may take longer than a plugin's start-up timeout for two at once).
    files = await mkdtemp(path.join(tmpdir(), 'zhibo-two-nodes-'));
    a = await startNode('a', created.url, da, files);
    b = await startNode('b', created.url, db, files);
    await ensureAdmin(a.ctx);
    const login = await call(b, 'POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    expect(login.status, login.body).toBe(200);
    token = login.json().token;
  });
  afterAll(async () => {
    for (const n of [a, b]) {
      if (!n) continue;
      for (const j of n.jobs) j.stop();
      await n.app.close();
      await n.ctx.database.close();
    }
    await drop?.();
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('applied each migration once although both nodes migrated at the same time', async () => {
    const rows = await a.ctx.db.selectFrom('schema_migrations').select('version').execute();
    expect(new Set(rows.map((r) => r.version)).size).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(30);
  });

  it('pairs each session once when both nodes take the same lot\'s batches at the same moment', async () => {
    setClocks(sh('2026-12-07 10:00'), 0);
    await source('S-TWO', ['TN-1']);
    const plates = Array.from({ length: 40 }, (_, i) => `苏F2${String(i).padStart(4, '0')}`);
    const entry = (p: string, i: number, tag: string) => ({ type: 'entry', eventId: `${tag}-in-${i}`, occurredAt: '2026-12-07 08:00:00', lotCode: 'TN-1', plate: p });
    const exit = (p: string, i: number, tag: string) => ({ type: 'exit', eventId: `${tag}-out-${i}`, occurredAt: '2026-12-07 09:30:00', lotCode: 'TN-1', plate: p, receivableFen: 600, paidFen: 600, payChannel: 'wechat' });

    // The same batch (a vendor retrying through the load balancer) reaches both nodes at once.
    const same = plates.slice(0, 20).flatMap((p, i) => [entry(p, i, 'same'), exit(p, i, 'same')]);
    const [ra, rb] = await Promise.all([push(a, 'S-TWO', same), push(b, 'S-TWO', same)]);
    expect(ra.accepted + rb.accepted).toBe(40);
    expect(ra.duplicates + rb.duplicates).toBe(40);
    // Entries to one node and their exits to the other, at once.
    const rest = plates.slice(20);
    await Promise.all([
      push(a, 'S-TWO', rest.map((p, i) => entry(p, i, 'split'))),
      push(b, 'S-TWO', rest.map((p, i) => exit(p, i, 'split'))),
    ]);

    const sessions = await a.ctx.db.selectFrom('parking_sessions').select(['plate', 'entered_at', 'exited_at']).execute();
    expect(sessions).toHaveLength(40);
    expect(new Set(sessions.map((s) => s.plate)).size).toBe(40);
    expect(sessions.every((s) => s.entered_at !== null && s.exited_at !== null)).toBe(true);
  });

  it('runs each job once per scheduled instant across both nodes, and sends each alert and each SLA notice once', async () => {
    // A lot that reports now and then falls silent (its alert opens after 120 minutes), and an urgent ticket (response due in 30 minutes).
    const t0 = sh('2026-12-07 10:00:00.500');
    setClocks(t0, 0);
    await source('S-QUIET', ['TN-Q']);
    await push(a, 'S-QUIET', [{ type: 'status', eventId: 'q-1', occurredAt: '2026-12-07 10:00:00', lotCode: 'TN-Q', totalSpaces: 100, freeSpaces: 40 }]);
    const ticket = await ok(b, 'POST', '/api/v1/tickets', { channel: 'phone', category: 'fee_dispute', title: '停车费多收', description: '市民反映出场时多收 5 元', priority: 'urgent' });

    a.jobs = startJobs(a.ctx, { holder: 'node-a', paused: true });
    b.jobs = startJobs(b.ctx, { holder: 'node-b', paused: true });
    expect(a.jobs.length).toBe(b.jobs.length);
    // Ticks a minute or more apart: now, the SLA warning (80 % of 30 min), its breach, the alert (121 min), and the same minute again.
    const ticks = [0, 25, 31, 121, 121.25].map((m) => new Date(t0.getTime() + m * 60_000));
    const expected = new Map<string, number>();
    for (const at of ticks) {
      setClocks(at);
      // Both nodes' timers fire for every job at once, node b's clock 0.3 s behind.
      await Promise.all([...a.jobs, ...b.jobs].map((j) => j.trigger()));
      for (const j of a.jobs) {
        const name = j.name!.replace(/@node-a$/, '');
        const due = j.previousRuns(1, new Date(at.getTime() + 1))[0]?.getTime() ?? null;
        const dues = expected.get(`${name} ${due}`);
        expected.set(`${name} ${due}`, (dues ?? 0) + 1);
      }
    }
    const perJob = (runs: JobRunRecord[]) => runs.reduce((m, r) => m.set(r.job, (m.get(r.job) ?? 0) + 1), new Map<string, number>());
    const ran = perJob([...a.runs, ...b.runs]);
    const distinctDue = new Map<string, number>();
    for (const key of expected.keys()) {
      const name = key.slice(0, key.lastIndexOf(' '));
      distinctDue.set(name, (distinctDue.get(name) ?? 0) + 1);
    }
    // Every job ran, on one node or the other, exactly once per distinct scheduled instant of the ticks.
    expect(Object.fromEntries([...ran].sort())).toEqual(Object.fromEntries([...distinctDue].sort()));
    // Which node wins each lease is a race: all runs on one node is as right as a split (this test
    // once asserted that both nodes ran something, and failed one run in three on a loaded machine).
    expect([...a.runs, ...b.runs].filter((r) => !r.ok).map((r) => `${r.job}: ${r.error}`)).toEqual([]);

    // Each alert opened once, with one notice; each SLA warning and breach once.
    const alerts = await a.ctx.db.selectFrom('monitoring_alerts').select(['id', 'lot_id', 'source_code']).where('parent_id', 'is', null).execute();
    expect(alerts.map((x) => x.source_code).sort()).toContain('S-QUIET');
    const opened = await a.ctx.db.selectFrom('notifications').select(['link']).where('kind', '=', 'monitoring.alert.opened').execute();
    expect(opened.map((n) => n.link).sort()).toEqual(alerts.map((x) => `/monitoring?alert=${x.id}`).sort());
    const sla = await a.ctx.db.selectFrom('notifications').select(['kind', 'link']).where('kind', 'in', ['sla.warning', 'sla.breached']).execute();
    const forTicket = sla.filter((n) => n.link?.includes(String(ticket.id)));
    expect(forTicket.map((n) => n.kind).sort()).toEqual(['sla.breached', 'sla.warning']);
    const items = await a.ctx.db.selectFrom('sla_breaches').select('kind').where('subject_type', '=', 'ticket').where('subject_id', '=', String(ticket.id)).execute();
    expect(items.map((i) => i.kind)).toEqual(['response']);
  });

  it.skipIf(!redisUp)('holds one public-service budget per client address across both nodes (Redis)', async () => {
    const ip = `198.51.${randomInt(0, 255)}.${randomInt(1, 255)}`;
    const nearby = (node: Node) => call(node, 'GET', '/api/v1/public/lots/nearby?lng=120.86&lat=32.01', undefined, { 'x-forwarded-for': ip });
    const answers: number[] = [];
    for (const node of [a, b, a, b, a, b]) answers.push((await nearby(node)).status);
    expect(answers).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = await nearby(b);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address has its own budget on either node.
    const other = await call(a, 'GET', '/api/v1/public/lots/nearby?lng=120.86&lat=32.01', undefined, { 'x-forwarded-for': `203.0.113.${randomInt(1, 255)}` });
    expect(other.status).toBe(200);
  });
});
