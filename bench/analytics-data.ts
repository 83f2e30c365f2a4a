/*
 * The year of a Nantong-sized city for npm run bench:analytics, written with the simulator's
 * set-based history generator (src/modules/simulator/history.ts, shared with `zhibo demo`):
 * straight into parking_sessions, lot_status_reports and payments with generate_series, not
 * through ingestion — 20 million sessions through the API would take the better part of a day.
 *
 * Lots and sources are the simulator's (buildLotSet: districts, categories, capacities,
 * coordinates); a smaller city takes every n-th lot of the full one, so that it still spans the
 * districts. Arrivals per lot and hour, dwell, tariffs, settlement and the fault mix are the
 * simulator's (see history.ts). The curves are arrivals per space, tuned so that lots run near
 * full at their peak; to reach the session count asked for at that realism, lots are resized
 * (their share of the city stays), then what rounding left is taken up by the rates (density).
 * Status reports every 15 minutes per lot; no ingest_events (the analytics do not read them).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../src/schema.js';
import { expectedArrivals, generateHistory, historyHours, kyselyExec as historyExec, type Exec } from '../src/modules/simulator/history.js';
import { buildLotSet, type SimLot } from '../src/modules/simulator/lot-set.js';

export type { Exec };
export const STATUS_MINUTES = 15;
/** Lots of the full-size city. */
export const FULL_CITY_LOTS = 320;
const SEED = 20261125;

export interface Plan {
  lots: number;
  /** First instant of the data: a Shanghai midnight. */
  start: Date;
  /** The clock: data runs up to here; sessions still parked then are open. */
  now: Date;
  /** Sessions to aim for (the curves are scaled to it). */
  sessions: number;
  staleSessionDays: number;
  /** Minutes between a lot's status reports; default STATUS_MINUTES. */
  statusEveryMinutes?: number;
}

export interface Generated {
  sessions: number;
  openSessions: number;
  flaggedSessions: number;
  statusReports: number;
  lots: number;
  spaces: number;
  districts: number;
  categories: number;
  seconds: Record<string, number>;
}

const lit = (v: string | null) => (v === null ? 'null' : `'${v.replace(/'/g, "''")}'`);

/** Lots and sources, as plain rows (the bench's registry: no audit, no berths). */
export async function seedLots(exec: Exec, lots: SimLot[], sources: ReturnType<typeof buildLotSet>['sources']): Promise<void> {
  const insertRows = async (table: string, columns: string, rows: string[]) => {
    for (let i = 0; i < rows.length; i += 2000) await exec(`insert into ${table} (${columns}) values ${rows.slice(i, i + 2000).join(',')}`);
  };
  await insertRows('data_sources', 'code, name, vendor, district_code, secret_encrypted',
    sources.map((s) => `(${lit(s.code)}, ${lit(s.name)}, ${lit(s.vendor)}, ${lit(s.districtCode)}, 'bench')`));
  await insertRows('lots', 'code, name, district_code, kind, category, total_spaces, address, lng, lat, source_code',
    lots.map((l) => `(${lit(l.code)}, ${lit(l.name)}, ${lit(l.districtCode)}, ${lit(l.kind)}, ${lit(l.category)}, ${l.totalSpaces}, ${lit(l.address)}, ${l.lng}, ${l.lat}, ${lit(l.sourceCode)})`));
}

/**
 * Writes the data. `progress(done, total, label)` after each step; `afterLots` runs once the lots
 * exist, before the bulk load. The caller has migrated the database; `exec` runs on one connection.
 */
export async function generate(exec: Exec, plan: Plan, progress: (done: number, total: number, label: string) => void, afterLots?: () => Promise<void>): Promise<Generated> {
  const full = buildLotSet(SEED, Math.max(plan.lots, FULL_CITY_LOTS));
  const step = full.lots.length / plan.lots;
  const picked = Array.from({ length: plan.lots }, (_, i) => full.lots[Math.floor(i * step)]!);
  const sourceCodes = new Set(picked.map((l) => l.sourceCode));
  const hours = historyHours(plan.start.getTime(), plan.now.getTime(), 0);
  const resize = plan.sessions / expectedArrivals(picked, hours);
  const lots = picked.map((l) => ({ ...l, totalSpaces: Math.max(5, Math.round(l.totalSpaces * resize)) }));
  const density = plan.sessions / expectedArrivals(lots, hours);
  const set = { seed: SEED, lots, sources: full.sources.filter((s) => sourceCodes.has(s.code)).map((s) => ({ ...s, lotCodes: s.lotCodes.filter((c) => lots.some((l) => l.code === c)) })) };
  const t = performance.now();
  await seedLots(exec, set.lots, set.sources);
  const lotSeconds = (performance.now() - t) / 1000;
  await afterLots?.();
  const h = await generateHistory(exec, {
    set, from: plan.start.getTime(), to: plan.now.getTime(), seed: SEED, staleSessionDays: plan.staleSessionDays,
    statusEveryMinutes: plan.statusEveryMinutes ?? STATUS_MINUTES, density, events: false, progress,
  });
  // Autovacuum does this after a bulk load in production; index-only scans need the visibility map.
  const v = performance.now();
  await exec('vacuum analyze parking_sessions');
  await exec('vacuum analyze lot_status_reports');
  const { rows } = await exec(`select (select sum(total_spaces) from lots)::bigint as spaces,
      (select count(distinct district_code) from lots)::int as districts, (select count(distinct category) from lots)::int as categories`);
  const r = rows[0]!;
  return {
    sessions: h.sessions, openSessions: h.openSessions, flaggedSessions: h.flaggedSessions, statusReports: h.statusReports,
    lots: lots.length, spaces: Number(r.spaces), districts: Number(r.districts), categories: Number(r.categories),
    seconds: { lots: lotSeconds, ...h.seconds, 'vacuum analyze': (performance.now() - v) / 1000 },
  };
}

/** A Kysely-backed Exec (PGlite, one connection). */
export const kyselyExec = (db: Kysely<DB>): Exec => historyExec(db);
