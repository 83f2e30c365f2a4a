import { sql } from 'kysely';
import { issueSystemToken } from '../modules/accounts/index.js';
import { rebuildAnalytics, type RebuildResult } from '../modules/analytics/index.js';
import { evaluateMonitoring } from '../modules/monitoring/index.js';
import { ensureSandboxChannel } from '../modules/payments/index.js';
import { refreshThemeRollup, seedDemoThemes } from '../modules/themes/index.js';
import {
  applyFaults,
  buildLotSet,
  DEMO_SNAPSHOT_COLOURS,
  FAULT_PRESETS,
  generateEvents,
  generateHistory,
  kyselyExec,
  localMidnight,
  receivableFen,
  rngFor,
  sampleDwellMinutes,
  scaleLotSet,
  snapshotPng,
  tariffFor,
  ZhiboClient,
  type Exec,
  type HistoryResult,
  type IngestEvent,
  type LotSet,
  type ParkedCar,
  type RegistrySummary,
} from '../modules/simulator/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import { audit, type AppContext } from '../platform/context.js';
import type { PlateColor } from '../platform/plates.js';
import type { App } from '../platform/http.js';
import { inProcessFetch } from './in-process-fetch.js';

/*
 * The demo city, written before the server listens (docs/architecture.md, "Simulator"): the
 * simulator's lots and sources registered through the app's own routes (in this process, audited
 * as any registry change), a month of history set-based straight into the tables
 * (modules/simulator/history.ts), the invalid entries the simulator's faults send over its last
 * day posted through the signed API (so the quarantine has what a real feed leaves), one rebuild
 * of the analytics rollups over it, and one monitoring
 * evaluation (so the receipts are summed and every lot's state is known before the first page).
 */

export interface DemoCityOptions {
  lots: number;
  days: number;
  /** Lot capacities × this (scaleLotSet). */
  scale: number;
  seed: number;
  /** Admin password for the registry calls. */
  password: string;
  /** History status period, minutes. */
  statusEveryMinutes?: number;
  /** Registry only: no history. */
  registryOnly?: boolean;
  /** Share (0–1) of the last day's entries and exits with a snapshot; default none. */
  photoShare?: number;
  onPhase?: (phase: DemoPhase, done: number, total: number) => void;
}

export type DemoPhase = 'registry' | 'history' | 'rollups' | 'monitoring';

export interface DemoCity {
  set: LotSet;
  secrets: Map<string, string>;
  registry: RegistrySummary;
  from: Date;
  to: Date;
  history: HistoryResult | null;
  rebuild: RebuildResult | null;
  seconds: Partial<Record<DemoPhase, number>>;
}

/** The system account the demo's simulator acts under (registry set-up and live traffic). */
export const SIMULATOR_ACCOUNT = 'simulator';

export const demoLotSet = (seed: number, lots: number, scale: number): LotSet => scaleLotSet(buildLotSet(seed, lots), scale);

/** Runs `fn` with an Exec on one connection: the history's temporary tables live on it. */
async function onOneConnection<T>(ctx: AppContext, fn: (exec: Exec) => Promise<T>): Promise<T> {
  if (ctx.database.kind === 'pglite') return fn(kyselyExec(ctx.db));
  return ctx.db.connection().execute((conn) => fn(kyselyExec(conn)));
}

export async function writeDemoCity(ctx: AppContext, app: App, o: DemoCityOptions): Promise<DemoCity> {
  const seconds: DemoCity['seconds'] = {};
  const step = async <T>(phase: DemoPhase, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      seconds[phase] = (performance.now() - t) / 1000;
    }
  };
  const set = demoLotSet(o.seed, o.lots, o.scale);
  const snapshotRefs: string[] = [];
  const { secrets, summary } = await step('registry', async () => {
    o.onPhase?.('registry', 0, 1);
    const client = new ZhiboClient({ baseUrl: 'http://in-process', fetch: inProcessFetch(app), now: () => ctx.clock.now() });
    // The simulator's account, not admin: what it registers is audited under the system (issue 15 §4).
    client.setToken(await issueSystemToken(ctx, SIMULATOR_ACCOUNT, '城市模拟器（系统）'));
    const r = await client.ensureRegistry(set);
    // A sandbox payment channel, so that order → pay → notify → settle runs in the demo (docs/支付通道接入.md).
    await ensureSandboxChannel(ctx, systemActor('demo'));
    // The city themes (市域专题) of the demo: hospitals, schools, scenic spots, hubs, 濠河.
    await seedDemoThemes(ctx);
    // The snapshot images (decision 0036), uploaded as a lot system would; the history's last day
    // carries them on a share of its entries and exits, the live traffic on as many.
    if ((o.photoShare ?? 0) > 0) {
      const source = set.sources.find((x) => r.secrets.has(x.code));
      if (source) for (const colour of DEMO_SNAPSHOT_COLOURS) snapshotRefs.push(await client.uploadPhoto(source.code, r.secrets.get(source.code)!, snapshotPng(colour)));
    }
    o.onPhase?.('registry', 1, 1);
    return r;
  });
  const to = ctx.clock.now();
  const from = new Date(localMidnight(to.getTime()) - o.days * 86_400_000);
  if (o.registryOnly || o.days <= 0) return { set, secrets, registry: summary, from, to, history: null, rebuild: null, seconds };

  const history = await step('history', () => onOneConnection(ctx, (exec) => generateHistory(exec, {
    set, from: from.getTime(), to: to.getTime(), seed: o.seed, staleSessionDays: ctx.config.staleSessionDays,
    statusEveryMinutes: o.statusEveryMinutes ?? 60,
    snapshots: { refs: snapshotRefs, share: o.photoShare ?? 0, sinceMs: to.getTime() - 86_400_000 },
    progress: (done, total) => o.onPhase?.('history', done, total),
  })));
  // The history goes straight into the tables, so nothing of it is refused; the quarantine gets
  // what the live feed's faults would have left over its last day (faults.ts, invalid entries:
  // 未识别, 无牌车 without its ticket …), sent through the signed API, one batch per source.
  await step('history', () => quarantineFaults(ctx, app, set, secrets, to.getTime() - 86_400_000, to.getTime(), o.seed));
  const rebuild = await step('rollups', async () => {
    const r = await rebuildAnalytics(ctx, from, to, (done, total) => o.onPhase?.('rollups', done, total));
    // The themes' lot-hour rollup (decision 0019): the load wrote no change marks, so every lot whole.
    await refreshThemeRollup(ctx, { all: true });
    return r;
  });
  await step('monitoring', async () => {
    o.onPhase?.('monitoring', 0, 2);
    // Twice: an evaluation sums the receipts the one before it saw, so the history's are summed
    // here and not by the server's first job run.
    await evaluateMonitoring(ctx);
    o.onPhase?.('monitoring', 1, 2);
    await evaluateMonitoring(ctx);
    o.onPhase?.('monitoring', 2, 2);
  });
  const { parked, seconds: _s, cpuSeconds: _c, ...totals } = history;
  await audit(ctx, ctx.db, systemActor('demo'), {
    action: 'demo.history',
    targetType: 'demo',
    detail: { from: from.toISOString(), to: to.toISOString(), lots: set.lots.length, scale: o.scale, seed: o.seed, parked: parked.length, ...totals },
  });
  return { set, secrets, registry: summary, from, to, history, rebuild, seconds };
}

/** The invalid entries the simulator's default faults put into [from, to), posted as each source's batch. */
async function quarantineFaults(ctx: AppContext, app: App, set: LotSet, secrets: Map<string, string>, from: number, to: number, seed: number): Promise<void> {
  const faults = { ...FAULT_PRESETS.none, invalidRate: FAULT_PRESETS.default.invalidRate };
  const bySource = new Map<string, IngestEvent[]>();
  for (const d of applyFaults(generateEvents(set, { from, to, seed, warmupHours: 0 }), faults, seed)) {
    if (d.fault !== 'invalid' || d.event.type !== 'entry') continue;
    bySource.set(d.sourceCode, [...(bySource.get(d.sourceCode) ?? []), d.event]);
  }
  const client = new ZhiboClient({ baseUrl: 'http://in-process', fetch: inProcessFetch(app), now: () => ctx.clock.now() });
  for (const [source, events] of bySource) {
    const secret = secrets.get(source);
    if (secret) await client.postEvents(source, secret, events.slice(0, 500));
  }
}

/**
 * The cars the database says are parked now (open, not yet stale) in the city's lots, for a live
 * run that starts on an existing demo: each leaves at a time drawn for its stay (at least a few
 * minutes from now), as a car that came in then would.
 */
export async function parkedNow(ctx: AppContext, set: LotSet, seed: number): Promise<ParkedCar[]> {
  const now = ctx.clock.now().getTime();
  const lots = new Map(set.lots.map((l) => [l.code, l]));
  const rows = await sql<{ code: string; plate: string; plate_raw: string; plate_color: string | null; entered_at: Date; entry_event_id: string | null; berth_code: string | null }>`
    select l.code, s.plate, s.plate_raw, s.plate_color, s.entered_at, s.entry_event_id, s.berth_code
    from parking_sessions s join lots l on l.id = s.lot_id
    where s.state = 'open' and s.entered_at is not null and s.entry_event_id is not null and not ('stale' = any(s.flags))
      and l.code = any(${set.lots.map((l) => l.code)}::text[])`.execute(ctx.db);
  return rows.rows.flatMap((r): ParkedCar[] => {
    const lot = lots.get(r.code);
    if (!lot) return [];
    const entryAt = new Date(r.entered_at).getTime();
    const rng = rngFor(seed, 'parked', r.entry_event_id!);
    const drawn = entryAt + sampleDwellMinutes(rng, lot.category, lot.kind, entryAt) * 60_000;
    const exitAt = Math.round(Math.max(drawn, now + rng.uniform(3, 90) * 60_000) / 1000) * 1000;
    const fee = receivableFen(tariffFor(lot), (exitAt - entryAt) / 60_000);
    return [{
      lotCode: r.code, plate: r.plate, plateRaw: r.plate_raw, color: (r.plate_color ?? 'blue') as PlateColor, entryAt, exitAt,
      entryEventId: r.entry_event_id!, berthCode: r.berth_code, receivableFen: fee, paidFen: fee, payChannel: fee > 0 ? 'wechat' : null,
    }];
  });
}
