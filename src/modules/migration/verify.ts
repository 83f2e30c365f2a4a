import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { idMap } from './importer.js';
import type { Mapping } from './mapping.js';
import { migrationContext, type MigrationContext } from './repo.js';
import { SourceError, type LegacySource } from './sources.js';
import { LEGACY_TABLES, type LegacyTable } from './tables.js';
import { dayIn } from './time.js';
import { mapRow, missingColumns } from './transform.js';

/*
 * The verification of a migration (docs/系统迁移.md §4): both sides counted and summed apart — the
 * legacy source as it is now, read again through the mapping; the platform's rows that the id map
 * names — then compared: per table (rows; money for sessions and payments), per day × lot for
 * parking records (count, receivable, paid; the day of the entry, else of the exit, in
 * Asia/Shanghai), and row by row for records and payments (missing on either side, a field that
 * differs). Re-runnable at any time after fixes; nothing is written but its run row and audit.
 * The comparison itself (`compareSides`) is pure.
 */

export const REPORT_ZONE = 'Asia/Shanghai';
const UNCONVERTED = '（无法转换）';

export interface SessionFacts {
  id: string;
  lotCode: string;
  day: string;
  enteredAt: number | null;
  exitedAt: number | null;
  receivableFen: number;
  paidFen: number;
}

export interface PaymentFacts {
  id: string;
  amountFen: number;
}

/** One side of the comparison. */
export interface Side {
  counts: Partial<Record<LegacyTable, number>>;
  /** Keyed by legacy id. */
  sessions: Map<string, SessionFacts>;
  payments: Map<string, PaymentFacts>;
}

export interface TableCount {
  table: LegacyTable;
  legacy: number;
  platform: number;
  /** Sessions: the paid sum; payments: the amount sum; fen. */
  legacyFen: number | null;
  platformFen: number | null;
  equal: boolean;
}

export interface DayLot {
  day: string;
  lotCode: string;
  legacyCount: number;
  platformCount: number;
  legacyReceivableFen: number;
  platformReceivableFen: number;
  legacyPaidFen: number;
  platformPaidFen: number;
  equal: boolean;
}

export type DifferenceKind = 'missing_on_platform' | 'not_in_legacy' | 'field';

export interface RowDifference {
  table: 'sessions' | 'payments';
  legacyId: string;
  kind: DifferenceKind;
  field: string | null;
  legacy: string | null;
  platform: string | null;
}

export interface Comparison {
  tables: TableCount[];
  days: DayLot[];
  differences: RowDifference[];
  equal: boolean;
}

const sum = (xs: Iterable<number>) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

/** Compares the two sides; every difference listed, in a stable order. */
export function compareSides(tables: readonly LegacyTable[], legacy: Side, platform: Side): Comparison {
  const money = (side: Side, t: LegacyTable) =>
    t === 'sessions' ? sum([...side.sessions.values()].map((s) => s.paidFen)) : t === 'payments' ? sum([...side.payments.values()].map((p) => p.amountFen)) : null;
  const counts: TableCount[] = tables.map((table) => {
    const l = legacy.counts[table] ?? 0;
    const p = platform.counts[table] ?? 0;
    const legacyFen = money(legacy, table);
    const platformFen = money(platform, table);
    return { table, legacy: l, platform: p, legacyFen, platformFen, equal: l === p && legacyFen === platformFen };
  });

  const grid = new Map<string, DayLot>();
  const cell = (day: string, lotCode: string) => {
    const key = `${day}\u0000${lotCode}`;
    let c = grid.get(key);
    if (!c) {
      c = { day, lotCode, legacyCount: 0, platformCount: 0, legacyReceivableFen: 0, platformReceivableFen: 0, legacyPaidFen: 0, platformPaidFen: 0, equal: true };
      grid.set(key, c);
    }
    return c;
  };
  for (const s of legacy.sessions.values()) {
    const c = cell(s.day, s.lotCode);
    c.legacyCount++;
    c.legacyReceivableFen += s.receivableFen;
    c.legacyPaidFen += s.paidFen;
  }
  for (const s of platform.sessions.values()) {
    const c = cell(s.day, s.lotCode);
    c.platformCount++;
    c.platformReceivableFen += s.receivableFen;
    c.platformPaidFen += s.paidFen;
  }
  const days = [...grid.values()].sort((a, b) => a.day.localeCompare(b.day) || a.lotCode.localeCompare(b.lotCode));
  for (const d of days) d.equal = d.legacyCount === d.platformCount && d.legacyReceivableFen === d.platformReceivableFen && d.legacyPaidFen === d.platformPaidFen;

  const differences: RowDifference[] = [];
  const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const rows = <F extends { id: string }>(table: 'sessions' | 'payments', l: Map<string, F>, p: Map<string, F>, fields: [string, (f: F) => string | null][]) => {
    const ids = [...new Set([...l.keys(), ...p.keys()])].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    for (const id of ids) {
      const a = l.get(id);
      const b = p.get(id);
      if (!b) differences.push({ table, legacyId: id, kind: 'missing_on_platform', field: null, legacy: null, platform: null });
      else if (!a) differences.push({ table, legacyId: id, kind: 'not_in_legacy', field: null, legacy: null, platform: null });
      else {
        for (const [field, get] of fields) {
          if (get(a) !== get(b)) differences.push({ table, legacyId: id, kind: 'field', field, legacy: get(a), platform: get(b) });
        }
      }
    }
  };
  rows('sessions', legacy.sessions, platform.sessions, [
    ['lotCode', (s) => s.lotCode],
    ['enteredAt', (s) => time(s.enteredAt)],
    ['exitedAt', (s) => time(s.exitedAt)],
    ['receivableFen', (s) => String(s.receivableFen)],
    ['paidFen', (s) => String(s.paidFen)],
  ]);
  rows('payments', legacy.payments, platform.payments, [['amountFen', (p) => String(p.amountFen)]]);
  return { tables: counts, days, differences, equal: counts.every((c) => c.equal) && days.every((d) => d.equal) && differences.length === 0 };
}

const dayOf = (entered: Date | null, exited: Date | null) => {
  const at = entered ?? exited;
  return at ? dayIn(at, REPORT_ZONE) : UNCONVERTED;
};

/** The legacy side, read again through the mapping. */
export async function legacySide(ctx: MigrationContext, source: LegacySource, mapping: Mapping): Promise<Side> {
  const side: Side = { counts: {}, sessions: new Map(), payments: new Map() };
  const lotIds = await idMap(ctx.db, mapping.source, 'lots');
  const lots = new Map((await ctx.db.selectFrom('lots').select(['id', 'code']).execute()).map((l) => [l.id, l.code]));
  const codeOf = (ref: string) => {
    const id = lotIds.get(ref);
    return id !== undefined ? (lots.get(id) ?? ref) : (mapping.lotCodes[ref] ?? ref);
  };
  for (const tm of mapping.tables) {
    const data = await source.read(tm.from);
    const missing = missingColumns(tm, data.columns);
    if (missing.length) throw new SourceError(`${tm.from}: 没有映射中的列 / lacks the mapped columns ${missing.join(', ')}`);
    side.counts[tm.table] = data.rows.length;
    if (tm.table !== 'sessions' && tm.table !== 'payments') continue;
    data.rows.forEach((raw, i) => {
      let id = String(raw[tm.id] ?? '').trim() || `#${i + 1}`;
      try {
        const { legacyId, values: v } = mapRow(tm, raw);
        id = legacyId;
        if (tm.table === 'sessions') {
          const entered = v.enteredAt as Date | null;
          const exited = v.exitedAt as Date | null;
          side.sessions.set(id, { id, lotCode: codeOf(String(v.lot)), day: dayOf(entered, exited), enteredAt: entered?.getTime() ?? null, exitedAt: exited?.getTime() ?? null, receivableFen: (v.receivable as number | null) ?? 0, paidFen: (v.paid as number | null) ?? 0 });
        } else side.payments.set(id, { id, amountFen: v.amount as number });
      } catch {
        // A row the mapping cannot convert is counted on the legacy side, in a bucket of its own.
        if (tm.table === 'sessions') side.sessions.set(id, { id, lotCode: UNCONVERTED, day: UNCONVERTED, enteredAt: null, exitedAt: null, receivableFen: 0, paidFen: 0 });
        else side.payments.set(id, { id, amountFen: 0 });
      }
    });
  }
  return side;
}

const TARGET_TABLES = { lots: 'lots', users: 'users', sessions: 'parking_sessions', payments: 'payments', tickets: 'tickets' } as const;

/** The platform side: the rows the id map names, as they are stored now. */
export async function platformSide(ctx: MigrationContext, mapping: Mapping): Promise<Side> {
  const side: Side = { counts: {}, sessions: new Map(), payments: new Map() };
  for (const tm of mapping.tables) {
    const r = await sql<{ n: string }>`select count(*) as n from migration_id_map m join ${sql.table(TARGET_TABLES[tm.table])} t on t.id = m.target_id
      where m.source = ${mapping.source} and m.legacy_table = ${tm.table}`.execute(ctx.db);
    side.counts[tm.table] = Number(r.rows[0]!.n);
  }
  if (mapping.tables.some((t) => t.table === 'sessions')) {
    const rows = await ctx.db
      .selectFrom('migration_id_map as m')
      .innerJoin('parking_sessions as s', 's.id', 'm.target_id')
      .innerJoin('lots as l', 'l.id', 's.lot_id')
      .select(['m.legacy_id', 'l.code', 's.entered_at', 's.exited_at', 's.receivable_fen', 's.paid_fen'])
      .where('m.source', '=', mapping.source)
      .where('m.legacy_table', '=', 'sessions')
      .execute();
    for (const r of rows) {
      side.sessions.set(r.legacy_id, { id: r.legacy_id, lotCode: r.code, day: dayOf(r.entered_at, r.exited_at), enteredAt: r.entered_at?.getTime() ?? null, exitedAt: r.exited_at?.getTime() ?? null, receivableFen: r.receivable_fen ?? 0, paidFen: r.paid_fen ?? 0 });
    }
  }
  if (mapping.tables.some((t) => t.table === 'payments')) {
    const rows = await ctx.db
      .selectFrom('migration_id_map as m')
      .innerJoin('payments as p', 'p.id', 'm.target_id')
      .select(['m.legacy_id', 'p.amount_fen'])
      .where('m.source', '=', mapping.source)
      .where('m.legacy_table', '=', 'payments')
      .execute();
    for (const r of rows) side.payments.set(r.legacy_id, { id: r.legacy_id, amountFen: r.amount_fen });
  }
  return side;
}

export interface Verification extends Comparison {
  source: string;
  from: string;
  verifiedAt: Date;
}

/** Verifies a migration: both sides read, compared, the run recorded and audited. */
export async function verifyMigration(anyCtx: AppContext, actor: Actor, source: LegacySource, mapping: Mapping): Promise<Verification> {
  const ctx = migrationContext(anyCtx);
  const verifiedAt = ctx.clock.now();
  const legacy = await legacySide(ctx, source, mapping);
  const platform = await platformSide(ctx, mapping);
  const tables = LEGACY_TABLES.filter((t) => mapping.tables.some((m) => m.table === t));
  const c = compareSides(tables, legacy, platform);
  const outcome = c.equal ? 'equal' : 'differences';
  const detail = { from: source.description, tables: c.tables, differentDays: c.days.filter((d) => !d.equal).length, differences: c.differences.length };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('migration_runs').values({ source: mapping.source, kind: 'verify', started_at: verifiedAt, finished_at: ctx.clock.now(), outcome, detail: JSON.stringify(detail) }).execute();
    await audit(ctx, trx, actor, { action: 'migration.verify', targetType: 'migration', targetId: mapping.source, detail: { outcome, ...detail } });
  });
  return { source: mapping.source, from: source.description, verifiedAt, ...c };
}
