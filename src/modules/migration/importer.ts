import type { Actor } from '../../platform/auth/permissions.js';
import { randomPassword } from '../../platform/auth/passwords.js';
import { audit, type AppContext } from '../../platform/context.js';
import type { AnyDb } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { isValidPlate, normalizePlate, PLATE_COLORS } from '../../platform/plates.js';
import { createUser, listUsers, updateUser, type Role } from '../accounts/index.js';
import { importPayments, type ImportedPayment } from '../ingest/index.js';
import { createLot } from '../registry/index.js';
import { importSessions, PAY_CHANNELS, type ImportedSession } from '../sessions/index.js';
import { importTicket, type ImportedTicketState } from '../tickets/index.js';
import type { Mapping, TableMapping } from './mapping.js';
import { migrationContext, migrationDb, type MigrationContext } from './repo.js';
import { SourceError, type LegacySource } from './sources.js';
import type { LegacyTable } from './tables.js';
import { mapRow, missingColumns, RowProblem, type FieldValue, type MappedRow } from './transform.js';

/*
 * The import of a legacy export (docs/系统迁移.md §3): tables in the order lots, users,
 * sessions, payments, tickets, each row through its mapping and into the module that owns its
 * table by that module's index. Every row imported is recorded in migration_id_map (legacy id →
 * our id); a re-run skips what is recorded, so nothing is written twice and a run that stopped
 * half-way resumes where it stopped. Sessions and payments are written in batches, each batch and
 * its id-map rows in one transaction; a lot, a user or a ticket is written by its owner (which
 * audits it) and recorded right after — a lot or a user whose code or name is already on the
 * platform is taken over, not created again, which also covers a stop between the two writes.
 */

export const BATCH = 500;

export interface RowIssue {
  table: LegacyTable;
  /** 1-based data row of the legacy table (the header not counted). */
  row: number;
  legacyId: string | null;
  code: string;
  message: string;
}

export interface TableImport {
  table: LegacyTable;
  from: string;
  rows: number;
  imported: number;
  /** Taken over: already on the platform (a lot's code, a user's name) and recorded as this legacy row. */
  adopted: number;
  /** Recorded by an earlier run and left alone. */
  skipped: number;
  rejected: number;
}

export interface ImportResult {
  source: string;
  tables: TableImport[];
  issues: RowIssue[];
}

export interface ImportProgress {
  start(table: LegacyTable, total: number): void;
  update(done: number, total: number, t: TableImport): void;
  end(t: TableImport): void;
}

interface LotDirectory {
  byCode: Map<string, { id: number; code: string; sourceCode: string | null }>;
  byId: Map<number, { id: number; code: string; sourceCode: string | null }>;
}

async function lotDirectory(ctx: MigrationContext): Promise<LotDirectory> {
  const rows = await ctx.db.selectFrom('lots').select(['id', 'code', 'source_code']).execute();
  const lots = rows.map((r) => ({ id: r.id, code: r.code, sourceCode: r.source_code }));
  return { byCode: new Map(lots.map((l) => [l.code, l])), byId: new Map(lots.map((l) => [l.id, l])) };
}

/** The id map of one legacy table: legacy id → our id. */
export async function idMap(anyDb: AnyDb, source: string, table: LegacyTable): Promise<Map<string, number>> {
  const rows = await migrationDb(anyDb).selectFrom('migration_id_map').select(['legacy_id', 'target_id']).where('source', '=', source).where('legacy_table', '=', table).execute();
  return new Map(rows.map((r) => [r.legacy_id, Number(r.target_id)]));
}

async function record(anyDb: AnyDb, source: string, table: LegacyTable, pairs: [string, number][], at: Date): Promise<void> {
  if (pairs.length === 0) return;
  await migrationDb(anyDb)
    .insertInto('migration_id_map')
    .values(pairs.map(([legacyId, targetId]) => ({ source, legacy_table: table, legacy_id: legacyId, target_id: targetId, imported_at: at })))
    .onConflict((oc) => oc.columns(['source', 'legacy_table', 'legacy_id']).doNothing())
    .execute();
}

const text = (v: FieldValue | undefined) => (v === null || v === undefined ? null : String(v));
const problem = (code: string, message: string) => new RowProblem(code, message);

/** Our lot of a legacy lot reference: the lot imported for that legacy id, else the code through lotCodes. */
function lotOf(ref: string, lotIds: Map<string, number>, dir: LotDirectory, mapping: Mapping) {
  const imported = lotIds.get(ref);
  if (imported !== undefined) return dir.byId.get(imported) ?? null;
  return dir.byCode.get(mapping.lotCodes[ref] ?? ref) ?? null;
}

function plateOf(raw: string): { plate: string; raw: string } {
  const plate = normalizePlate(raw);
  if (!isValidPlate(plate)) throw problem('INVALID_PLATE', `车牌不符合规则 / not a valid plate (${plate.slice(0, 3)}…)`);
  return { plate, raw };
}

function oneOf<T extends string>(field: string, v: FieldValue | undefined, allowed: readonly T[]): T | null {
  if (v === null || v === undefined) return null;
  if (!(allowed as readonly string[]).includes(String(v))) throw problem('INVALID_VALUE', `${field}: "${String(v).slice(0, 40)}" 应为 ${allowed.join('、')} 之一 / must be one of ${allowed.join(', ')}（在 values.${field} 中映射 / map it in values.${field}）`);
  return String(v) as T;
}

function appProblem(err: unknown): RowProblem {
  if (err instanceof RowProblem) return err;
  if (err instanceof AppError) {
    const issues = (err.details as { issues?: { field: string; message: string }[] } | undefined)?.issues;
    return new RowProblem(err.code, issues?.length ? issues.map((i) => `${i.field}: ${i.message}`).join('; ') : err.message);
  }
  throw err;
}

interface Pending {
  row: number;
  mapped: MappedRow;
}

/** Runs the import; `progress` hears each table's start, its rows as they go, and its end. */
export async function importLegacy(anyCtx: AppContext, actor: Actor, source: LegacySource, mapping: Mapping, progress?: ImportProgress): Promise<ImportResult> {
  const ctx = migrationContext(anyCtx);
  const startedAt = ctx.clock.now();
  const run = await ctx.db.insertInto('migration_runs').values({ source: mapping.source, kind: 'import', started_at: startedAt, finished_at: null, outcome: null }).returning('id').executeTakeFirstOrThrow();
  const result: ImportResult = { source: mapping.source, tables: [], issues: [] };
  try {
    for (const tm of mapping.tables) result.tables.push(await importTable(ctx, actor, source, mapping, tm, result.issues, progress));
  } catch (err) {
    await ctx.db.updateTable('migration_runs').set({ finished_at: ctx.clock.now(), outcome: 'failed', detail: JSON.stringify({ tables: result.tables, error: (err as Error).message }) }).where('id', '=', run.id).execute();
    throw err;
  }
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('migration_runs').set({ finished_at: ctx.clock.now(), outcome: 'done', detail: JSON.stringify({ tables: result.tables, issues: result.issues.length }) }).where('id', '=', run.id).execute();
    await audit(ctx, trx, actor, { action: 'migration.import', targetType: 'migration', targetId: mapping.source, detail: { from: source.description, tables: result.tables, issues: result.issues.length } });
  });
  return result;
}

async function importTable(ctx: MigrationContext, actor: Actor, source: LegacySource, mapping: Mapping, tm: TableMapping, issues: RowIssue[], progress?: ImportProgress): Promise<TableImport> {
  const data = await source.read(tm.from);
  const missing = missingColumns(tm, data.columns);
  if (missing.length) throw new SourceError(`${tm.from}: 没有映射中的列 / lacks the mapped columns ${missing.join(', ')}（现有列 / it has: ${data.columns.join(', ')}）`);
  const t: TableImport = { table: tm.table, from: tm.from, rows: data.rows.length, imported: 0, adopted: 0, skipped: 0, rejected: 0 };
  const done = await idMap(ctx.db, mapping.source, tm.table);
  const reject = (row: number, legacyId: string | null, err: unknown) => {
    const p = appProblem(err);
    issues.push({ table: tm.table, row, legacyId, code: p.code, message: p.message });
    t.rejected++;
  };
  const pending: Pending[] = [];
  const seen = new Set<string>();
  data.rows.forEach((raw, i) => {
    try {
      const mapped = mapRow(tm, raw);
      if (done.has(mapped.legacyId)) t.skipped++;
      else if (seen.has(mapped.legacyId)) throw problem('DUPLICATE_ID', `原系统编号 ${mapped.legacyId} 重复 / the legacy id ${mapped.legacyId} appears twice`);
      else pending.push({ row: i + 1, mapped });
      if (!done.has(mapped.legacyId)) seen.add(mapped.legacyId);
    } catch (err) {
      reject(i + 1, null, err);
    }
  });
  progress?.start(tm.table, t.rows);
  const tick = () => progress?.update(t.imported + t.adopted + t.skipped + t.rejected, t.rows, t);
  tick();
  const env: TableEnv = { ctx, actor, mapping, tm, t, reject, tick, dir: await lotDirectory(ctx), lotIds: await idMap(ctx.db, mapping.source, 'lots') };
  await IMPORTERS[tm.table](env, pending);
  progress?.end(t);
  return t;
}

interface TableEnv {
  ctx: MigrationContext;
  actor: Actor;
  mapping: Mapping;
  tm: TableMapping;
  t: TableImport;
  reject: (row: number, legacyId: string | null, err: unknown) => void;
  tick: () => void;
  dir: LotDirectory;
  lotIds: Map<string, number>;
}

const IMPORTERS: Record<LegacyTable, (env: TableEnv, pending: Pending[]) => Promise<void>> = {
  lots: importLots,
  users: importUsers,
  sessions: (env, pending) => inBatches(env, pending, sessionOf, (db, rows, now) => importSessions(db, rows, now)),
  payments: (env, pending) => paymentsWithSessions(env, pending),
  tickets: importTickets,
};

async function importLots(env: TableEnv, pending: Pending[]): Promise<void> {
  const { ctx, actor, mapping, t } = env;
  for (const { row, mapped } of pending) {
    const v = mapped.values;
    const code = mapping.lotCodes[String(v.code)] ?? String(v.code);
    let id = env.dir.byCode.get(code)?.id;
    try {
      if (id !== undefined) t.adopted++;
      else {
        const input = { ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null)), code };
        const lot = await createLot(ctx, actor, input);
        id = lot.id;
        env.dir.byCode.set(code, { id, code, sourceCode: lot.sourceCode ?? null });
        env.dir.byId.set(id, { id, code, sourceCode: lot.sourceCode ?? null });
        t.imported++;
      }
      await record(ctx.db, mapping.source, 'lots', [[mapped.legacyId, id]], ctx.clock.now());
    } catch (err) {
      env.reject(row, mapped.legacyId, err);
    }
    env.tick();
  }
}

async function importUsers(env: TableEnv, pending: Pending[]): Promise<void> {
  const { ctx, actor, mapping, t } = env;
  const existing = new Map((await listUsers(ctx)).map((u) => [u.username, u.id]));
  for (const { row, mapped } of pending) {
    const v = mapped.values;
    try {
      const username = String(v.username);
      let id = existing.get(username);
      if (id !== undefined) t.adopted++;
      else {
        const status = oneOf('status', v.status, ['active', 'disabled'] as const) ?? 'active';
        // Legacy password hashes are not carried over: a random password nobody knows, set anew by an admin (docs/系统迁移.md §3.2).
        const user = await createUser(ctx, actor, { username, password: randomPassword(), role: String(v.role) as Role, districtCode: text(v.districtCode), displayName: text(v.displayName) });
        if (status === 'disabled') await updateUser(ctx, actor, username, { disabled: true });
        id = user.id;
        existing.set(username, id);
        t.imported++;
      }
      await record(ctx.db, mapping.source, 'users', [[mapped.legacyId, id]], ctx.clock.now());
    } catch (err) {
      env.reject(row, mapped.legacyId, err);
    }
    env.tick();
  }
}

function sessionOf(env: TableEnv, v: Record<string, FieldValue>): ImportedSession {
  const lot = lotOf(String(v.lot), env.lotIds, env.dir, env.mapping);
  if (!lot) throw problem('UNKNOWN_LOT', `车场 "${String(v.lot).slice(0, 40)}" 未导入也不在平台上（lotCodes 中映射）/ lot is neither imported nor on the platform (map it in lotCodes)`);
  const plate = plateOf(String(v.plate));
  return {
    lotId: lot.id,
    sourceCode: lot.sourceCode ?? env.mapping.source,
    plate: plate.plate,
    plateRaw: plate.raw,
    plateColor: oneOf('plateColor', v.plateColor, PLATE_COLORS),
    berthCode: text(v.berthCode),
    enteredAt: v.enteredAt as Date | null,
    exitedAt: v.exitedAt as Date | null,
    receivableFen: v.receivable as number | null,
    paidFen: v.paid as number | null,
    payChannel: oneOf('payChannel', v.payChannel, PAY_CHANNELS),
  };
}

/** Converts each pending row (rejecting those that do not), writes them in batches with their id-map rows. */
async function inBatches<R>(env: TableEnv, pending: Pending[], convert: (env: TableEnv, v: Record<string, FieldValue>, legacyId: string) => R, write: (db: AnyDb, rows: R[], now: Date) => Promise<number[]>): Promise<void> {
  const { ctx, mapping, tm, t } = env;
  for (let at = 0; at < pending.length; at += BATCH) {
    const batch: { legacyId: string; value: R }[] = [];
    for (const { row, mapped } of pending.slice(at, at + BATCH)) {
      try {
        batch.push({ legacyId: mapped.legacyId, value: convert(env, mapped.values, mapped.legacyId) });
      } catch (err) {
        env.reject(row, mapped.legacyId, err);
      }
    }
    await ctx.db.transaction().execute(async (trx) => {
      const now = ctx.clock.now();
      const ids = await write(trx, batch.map((b) => b.value), now);
      await record(trx, mapping.source, tm.table, batch.map((b, i) => [b.legacyId, ids[i]!]), now);
    });
    t.imported += batch.length;
    env.tick();
  }
}

async function paymentsWithSessions(env: TableEnv, pending: Pending[]): Promise<void> {
  const sessionIds = await idMap(env.ctx.db, env.mapping.source, 'sessions');
  const sessionLots = new Map<number, number>();
  if (sessionIds.size) {
    const ids = [...sessionIds.values()];
    for (let at = 0; at < ids.length; at += 5000) {
      const rows = await env.ctx.db.selectFrom('parking_sessions').select(['id', 'lot_id']).where('id', 'in', ids.slice(at, at + 5000)).execute();
      for (const r of rows) sessionLots.set(Number(r.id), r.lot_id);
    }
  }
  const paymentOf = (e: TableEnv, v: Record<string, FieldValue>, legacyId: string): ImportedPayment => {
    let lotId: number | undefined;
    if (v.session !== null) {
      const sid = sessionIds.get(String(v.session));
      if (sid === undefined) throw problem('UNKNOWN_SESSION', `停车记录 ${String(v.session).slice(0, 40)} 未导入 / the parking record was not imported`);
      lotId = sessionLots.get(sid);
    }
    if (lotId === undefined && v.lot !== null) lotId = lotOf(String(v.lot), e.lotIds, e.dir, e.mapping)?.id;
    if (lotId === undefined) throw problem('UNKNOWN_LOT', '找不到支付所属车场 / the payment\'s lot is unknown');
    return {
      lotId,
      orderNo: text(v.orderNo) ?? `${e.mapping.source}-${legacyId}`,
      plate: v.plate === null ? null : plateOf(String(v.plate)).plate,
      amountFen: v.amount as number,
      channel: oneOf('channel', v.channel, PAY_CHANNELS)!,
      paidAt: v.paidAt as Date,
      eventId: `migrate:${e.mapping.source}:${legacyId}`,
    };
  };
  await inBatches(env, pending, paymentOf, (db, rows) => importPayments(db, rows));
}

async function importTickets(env: TableEnv, pending: Pending[]): Promise<void> {
  const { ctx, actor, mapping, t } = env;
  for (const { row, mapped } of pending) {
    const v = mapped.values;
    try {
      const lot = v.lot === null ? null : lotOf(String(v.lot), env.lotIds, env.dir, mapping);
      if (v.lot !== null && !lot) throw problem('UNKNOWN_LOT', `车场 "${String(v.lot).slice(0, 40)}" 未导入也不在平台上 / lot is neither imported nor on the platform`);
      const fields = {
        channel: v.channel, category: v.category, priority: v.priority ?? undefined, title: v.title, description: v.description ?? String(v.title),
        citizenName: v.citizenName, citizenPhone: v.citizenPhone, plate: v.plate, lotCode: lot?.code ?? null,
        externalNo: text(v.number) ?? `${mapping.source}-${mapped.legacyId}`,
      };
      await importTicket(ctx, actor, {
        fields,
        state: (oneOf('state', v.state, ['new', 'closed', 'cancelled'] as const) ?? 'closed') as ImportedTicketState,
        createdAt: v.createdAt as Date,
        closedAt: v.closedAt as Date | null,
        resolution: text(v.resolution),
      }, (trx, id) => record(trx, mapping.source, 'tickets', [[mapped.legacyId, id]], ctx.clock.now()));
      t.imported++;
    } catch (err) {
      env.reject(row, mapped.legacyId, err);
    }
    env.tick();
  }
}
