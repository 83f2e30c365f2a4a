import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeDemoCity, type DemoCity } from '../src/cli/demo-city.js';
import { queryKpis } from '../src/modules/analytics/index.js';
import { buildOverview } from '../src/modules/overview/index.js';
import { receivableFen, tariffFor } from '../src/modules/simulator/index.js';
import { systemActor } from '../src/platform/auth/permissions.js';
import { ADMIN_PASSWORD, createTestEnv, describeDb, type TestEnv } from './support/backends.js';

/*
 * The demo's city (src/cli/demo-city.ts): the registry through the app's routes, a set-based
 * history (modules/simulator/history.ts), one rollup rebuild and a monitoring evaluation — and
 * what the pages then read: the overview (today's entries, live occupancy, sync) and the
 * analytics, on PGlite and PostgreSQL. 5 lots × 2 days, the clock on a Wednesday at 10:00.
 */

describeDb('demo city: a set-based history the pages read', (backend) => {
  let env: TestEnv;
  let city: DemoCity;
  let photoDir: string;
  const actor = systemActor('test');
  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(env.ctx.db)).rows;

  beforeAll(async () => {
    photoDir = mkdtempSync(path.join(tmpdir(), 'zhibo-demo-city-photos-'));
    env = await createTestEnv(backend, { photoDir });
    env.clock.set('2026-11-25T02:00:00Z');
    city = await writeDemoCity(env.ctx, env.app, { lots: 5, days: 2, scale: 0.2, seed: 2026, password: ADMIN_PASSWORD, statusEveryMinutes: 15, photoShare: 0.3 });
  }, 120_000);
  afterAll(async () => {
    await env.close();
    rmSync(photoDir, { recursive: true, force: true });
  });

  it('gives a share of the last day\'s entries and exits a stored snapshot (decision 0036), none before', async () => {
    const since = new Date(env.clock.now().getTime() - 86_400_000);
    const [p] = await rows(sql<{ recent: number; withPhoto: number; older: number; refs: number; stored: number }>`
      select count(*) filter (where entered_at >= ${since})::int as recent,
             count(*) filter (where entered_at >= ${since} and entry_photo is not null)::int as "withPhoto",
             count(*) filter (where entered_at < ${since} and entry_photo is not null)::int as older,
             count(distinct entry_photo)::int as refs,
             (select count(*) from ingest_photos)::int as stored
      from parking_sessions`);
    expect(p!.older).toBe(0);
    expect(p!.withPhoto).toBeGreaterThan(p!.recent * 0.15);
    expect(p!.withPhoto).toBeLessThan(p!.recent * 0.45);
    expect(p!.refs).toBeGreaterThan(1);
    expect(p!.refs).toBeLessThanOrEqual(p!.stored);
    const [orphans] = await rows(sql<{ n: number }>`select count(*)::int as n from parking_sessions s
      where s.entry_photo is not null and not exists (select 1 from ingest_photos f where 'photo:' || f.sha256 = s.entry_photo)`);
    expect(orphans!.n).toBe(0);
  });

  it('writes stays, status, payments and receipts over the days before now, with the simulator\'s shapes', async () => {
    const h = city.history!;
    expect(h.sessions).toBeGreaterThan(100);
    const [counts] = await rows(sql<{ sessions: number; closed: number; open: number; later: number; reports: number; events: number; payments: number; lots: number }>`
      select (select count(*) from parking_sessions)::int as sessions,
             (select count(*) from parking_sessions where state = 'closed' and exited_at > entered_at and receivable_fen is not null)::int as closed,
             (select count(*) from parking_sessions where state = 'open')::int as open,
             (select count(*) from parking_sessions where coalesce(entered_at, exited_at) > ${env.clock.now()})::int as later,
             (select count(*) from lot_status_reports)::int as reports,
             (select count(*) from ingest_events where type = 'status')::int as events,
             (select count(*) from payments)::int as payments,
             (select count(distinct lot_id) from parking_sessions)::int as lots`);
    expect(counts).toMatchObject({ sessions: h.sessions, later: 0, lots: 5, reports: h.statusReports, events: h.statusReports });
    expect(counts!.closed + counts!.open).toBeGreaterThan(h.sessions * 0.95);
    expect(counts!.open).toBe(h.parked.length);
    expect(counts!.payments).toBeGreaterThan(0);
    // Only the flags the simulator's faults leave: exits whose entry never came, cars parked too long.
    const flags = await rows(sql<{ flag: string }>`select distinct unnest(flags) as flag from parking_sessions`);
    expect(flags.map((f) => f.flag).filter((f) => !['entry_from_exit', 'no_entry', 'stale'].includes(f))).toEqual([]);
    // Ids as the simulator's vendors write them, distinct from the live run's (-s2026r…).
    const [ids] = await rows(sql<{ bad: number }>`select count(*)::int as bad from parking_sessions where entry_event_id !~ '^SIM-[A-Z]+-R?[0-9]+-h2026-[0-9]{8}-E[0-9]+$'`);
    expect(ids!.bad).toBe(0);
  });

  it('has a small share of cars without a plate, keyed by their ticket as ingestion keys them', async () => {
    const [np] = await rows(sql<{ all: number; noplate: number; bad: number; closed: number }>`
      select (select count(*) from parking_sessions)::int as all,
             count(*)::int as noplate,
             count(*) filter (where plate !~ '^无牌车#T[0-9A-F]{10}$' or plate_raw not in ('无牌车', '临时车') or plate_color is not null)::int as bad,
             count(*) filter (where state = 'closed')::int as closed
      from parking_sessions where plate like '无牌车#%'`);
    expect(np!.bad).toBe(0);
    expect(np!.noplate).toBeGreaterThan(0);
    expect(np!.noplate / np!.all).toBeLessThan(0.04);
    expect(np!.closed).toBeGreaterThan(0);
  });

  it('leaves in the quarantine the invalid entries the simulator\'s faults send over the last day, refused by the signed API', async () => {
    const q = await rows(sql<{ via: string; rejected: number; source: string }>`select via, rejected, source_code as source from ingest_quarantine where status = 'open'`);
    expect(q.length).toBeGreaterThan(0);
    expect(q.every((e) => e.via === 'api' && e.rejected > 0 && city.set.sources.some((s) => s.code === e.source))).toBe(true);
  });

  it('never has one plate in two places at once', async () => {
    const [overlap] = await rows(sql<{ n: number }>`
      select count(*)::int as n from parking_sessions a join parking_sessions b
        on a.plate = b.plate and a.id < b.id and a.entered_at is not null and b.entered_at is not null
       and a.entered_at < coalesce(b.exited_at, 'infinity') and b.entered_at < coalesce(a.exited_at, 'infinity')`);
    expect(overlap!.n).toBe(0);
  });

  it('pairs every stay: one car\'s entry and exit, in order, charged by its lot\'s tariff (or nothing: pass holders)', async () => {
    const stays = await rows(sql<{ code: string; entry: string | null; exit: string | null; entered: Date | null; exited: Date | null; state: string; flags: string[]; receivable: number | null; paid: number | null }>`
      select l.code, s.entry_event_id as entry, s.exit_event_id as exit, s.entered_at as entered, s.exited_at as exited, s.state, s.flags,
             s.receivable_fen as receivable, s.paid_fen as paid
      from parking_sessions s join lots l on l.id = s.lot_id`);
    const lots = new Map(city.set.lots.map((l) => [l.code, l]));
    const problems: string[] = [];
    let charged = 0;
    for (const s of stays) {
      const name = s.entry ?? s.exit ?? '?';
      const exitOnly = s.flags.includes('entry_from_exit') || s.flags.includes('no_entry');
      if (s.state === 'open') {
        // A car still inside: its entry, no exit, nothing charged yet.
        if (!s.entry || !s.entered || s.exit || s.exited || s.receivable !== null || exitOnly) problems.push(`${name}: open but ${JSON.stringify(s)}`);
        continue;
      }
      if (!s.exit || !s.exited || s.receivable === null || s.paid === null) {
        problems.push(`${name}: closed without its exit or charge`);
        continue;
      }
      if (s.entry && s.exit !== s.entry.replace(/-E(\d+)$/, '-X$1')) problems.push(`${s.entry} leaves by ${s.exit}`);
      if (!s.entered) {
        // An exit whose entry never came and that did not say when the car came in.
        if (!s.flags.includes('no_entry')) problems.push(`${name}: no entry time but flags ${s.flags.join(',')}`);
        continue;
      }
      const minutes = Math.round((new Date(s.exited).getTime() - new Date(s.entered).getTime()) / 60_000);
      if (minutes < 2) problems.push(`${name}: leaves ${minutes} min after it came`);
      const fee = receivableFen(tariffFor(lots.get(s.code)!), minutes);
      if (s.receivable !== 0 && s.receivable !== fee) problems.push(`${name}: ${s.receivable} fen for ${minutes} min, the tariff says ${fee}`);
      if (s.paid < 0 || s.paid > s.receivable) problems.push(`${name}: paid ${s.paid} of ${s.receivable}`);
      if (fee > 0 && s.receivable === fee) charged++;
    }
    expect(problems).toEqual([]);
    expect(charged).toBeGreaterThan(stays.length / 4);
    const ids = stays.flatMap((s) => (s.entry ? [s.entry] : []));
    expect(new Set(ids).size).toBe(ids.length);
    // Every payment belongs to a stay of that plate in that lot: during it (prepaid) or after (arrears).
    const [lonely] = await rows(sql<{ n: number; total: number }>`
      select count(*) filter (where not exists (
               select 1 from parking_sessions s where s.lot_id = p.lot_id and s.plate = p.plate
                 and p.paid_at >= coalesce(s.entered_at, s.exited_at) and (p.paid_at <= s.exited_at or p.order_no like 'BJ%')))::int as n,
             count(*)::int as total
      from payments p`);
    expect(lonely).toMatchObject({ n: 0 });
    expect(lonely!.total).toBeGreaterThan(0);
  });

  it('gives the overview today\'s entries, live occupancy and lots normal in sync', async () => {
    const o = await buildOverview(env.ctx, actor);
    expect(o.today.entries).toBeGreaterThan(0);
    expect(o.yesterdayFull.entries).toBeGreaterThan(o.today.entries);
    expect(o.live.ratio).not.toBeNull();
    expect(o.live.knownLots).toBeGreaterThanOrEqual(4);
    expect(o.sync.total).toBe(5);
    expect(o.sync.ok / o.sync.total).toBeGreaterThanOrEqual(0.8);
  });

  it('gives the analytics what the raw rows say', async () => {
    const [raw] = await rows(sql<{ n: number; fen: number }>`
      select count(*)::int as n, coalesce(sum(receivable_fen), 0)::int as fen from parking_sessions
      where entered_at >= '2026-11-23T16:00:00Z' and entered_at < '2026-11-24T16:00:00Z'`);
    const kpis = await queryKpis(env.ctx, actor, { from: '2026-11-24', to: '2026-11-24', groupBy: [] });
    expect(kpis.rows[0]!.entries).toBe(raw!.n);
    expect(raw!.n).toBeGreaterThan(0);
  });

  it('leaves monitoring nothing to chase and every outage a contact', async () => {
    const [m] = await rows(sql<{ alerts: number; followups: number; nocontact: number; ops: number; unlinked: number }>`
      select (select count(*) from monitoring_alerts)::int as alerts,
             (select count(*) from monitoring_followups)::int as followups,
             (select count(*) from monitoring_followups where contact_phone is null)::int as nocontact,
             (select count(*) from operators where contact_phone is not null)::int as ops,
             (select count(*) from data_sources where operator_id is null)::int as unlinked`);
    expect(m).toMatchObject({ nocontact: 0, unlinked: 0 });
    expect(m!.ops).toBeGreaterThan(0);
    expect(m!.followups).toBe(m!.alerts);
  });
});
