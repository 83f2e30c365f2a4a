import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { assertDistrictInScope, districtScope } from '../../platform/scope.js';
import { parseBusinessTime, shanghaiDayStart } from '../../platform/time.js';
import type { MonitoringWindowsTable, WindowKind, WindowScope } from './tables.js';
import type { AnyDb } from '../../platform/db.js';
import { activeWindows, isWindowActive, isWindowExpired, windowOverLot, type WindowRule } from './window-rules.js';
import { monitoringDb, type MonitoringContext, type MonitoringDb } from './repo.js';

/*
 * Maintenance windows (维护窗口): while one is in force the lots it covers show as `paused`, no
 * alert opens for them and open alerts send no reminders. Scope: one lot, one source (all its
 * lots), one district, or the whole city. Every change is audited.
 */

export interface WindowView {
  id: number;
  scope: WindowScope;
  lotCode: string | null;
  lotName: string | null;
  sourceCode: string | null;
  districtCode: string | null;
  kind: WindowKind;
  startsAt: string | null;
  endsAt: string | null;
  daysOfWeek: number[] | null;
  startTime: string | null;
  endTime: string | null;
  validFrom: string | null;
  validTo: string | null;
  reason: string;
  activeNow: boolean;
  expired: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** As sent by clients; unchecked. Times: ISO 8601 or Shanghai 'YYYY-MM-DD HH:mm:ss'; time of day 'HH:MM'. */
export interface WindowInput {
  scope?: string;
  lotCode?: string | null;
  sourceCode?: string | null;
  districtCode?: string | null;
  kind?: string;
  startsAt?: string | null;
  endsAt?: string | null;
  daysOfWeek?: number[] | null;
  startTime?: string | null;
  endTime?: string | null;
  validFrom?: string | null;
  validTo?: string | null;
  reason?: string;
}

type WindowRow = Selectable<MonitoringWindowsTable> & { lot_code: string | null; lot_name: string | null; lot_district: string | null };

const SCOPES: readonly WindowScope[] = ['lot', 'source', 'district', 'all'];
const KINDS: readonly WindowKind[] = ['once', 'weekly'];
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

export function ruleOf(r: Selectable<MonitoringWindowsTable>): WindowRule {
  return {
    id: r.id,
    scope: r.scope,
    lotId: r.lot_id,
    sourceCode: r.source_code,
    districtCode: r.district_code,
    kind: r.kind,
    startsAt: r.starts_at ? new Date(r.starts_at) : null,
    endsAt: r.ends_at ? new Date(r.ends_at) : null,
    daysOfWeek: (r.days_of_week ?? []).map(Number),
    startMinute: r.start_minute,
    endMinute: r.end_minute,
    validFrom: r.valid_from,
    validTo: r.valid_to,
  };
}

/** Every window that may still be in force, as rules (the evaluator's and the views' input). */
export async function loadWindowRules(db: MonitoringDb, now: Date): Promise<WindowRule[]> {
  const rows = await db
    .selectFrom('monitoring_windows')
    .selectAll()
    .where((eb) => eb.or([eb('kind', '=', 'weekly'), eb('ends_at', '>', now)]))
    .execute();
  return rows.map(ruleOf).filter((w) => !isWindowExpired(w, now));
}

const hhmm = (m: number | null) => (m === null ? null : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

function view(r: WindowRow, now: Date): WindowView {
  const rule = ruleOf(r);
  return {
    id: r.id,
    scope: r.scope,
    lotCode: r.lot_code,
    lotName: r.lot_name,
    sourceCode: r.source_code,
    districtCode: r.scope === 'lot' ? r.lot_district : r.district_code,
    kind: r.kind,
    startsAt: rule.startsAt?.toISOString() ?? null,
    endsAt: rule.endsAt?.toISOString() ?? null,
    daysOfWeek: r.kind === 'weekly' ? rule.daysOfWeek : null,
    startTime: hhmm(r.start_minute),
    endTime: hhmm(r.end_minute),
    validFrom: r.valid_from,
    validTo: r.valid_to,
    reason: r.reason,
    activeNow: isWindowActive(rule, now),
    expired: isWindowExpired(rule, now),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** Windows a district user may see: city-wide and source ones, their district's, their lots'. */
function windowQuery(db: MonitoringDb, actor: Actor) {
  const scope = districtScope(actor);
  return db
    .selectFrom('monitoring_windows as w')
    .leftJoin('lots', 'lots.id', 'w.lot_id')
    .selectAll('w')
    .select(['lots.code as lot_code', 'lots.name as lot_name', 'lots.district_code as lot_district'])
    .$if(scope !== null, (qb) =>
      qb.where((eb) => eb.or([
        eb('w.scope', 'in', ['all', 'source']),
        eb.and([eb('w.scope', '=', 'district'), eb('w.district_code', '=', scope!)]),
        eb.and([eb('w.scope', '=', 'lot'), eb('lots.district_code', '=', scope!)]),
      ])),
    );
}

export async function listWindows(ctx: MonitoringContext, actor: Actor, q: { expired?: boolean; active?: boolean }): Promise<{ items: WindowView[] }> {
  const now = ctx.clock.now();
  const rows = await windowQuery(ctx.db, actor).orderBy('w.id', 'desc').execute();
  const items = rows.map((r) => view(r, now)).filter((w) => (q.expired || !w.expired) && (!q.active || w.activeNow));
  return { items };
}

async function findWindow(db: MonitoringDb, actor: Actor, id: number, now: Date): Promise<WindowView> {
  const row = await windowQuery(db, actor).where('w.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`维护窗口 ${id}`);
  return view(row, now);
}

export const getWindow = (ctx: MonitoringContext, actor: Actor, id: number) => findWindow(ctx.db, actor, id, ctx.clock.now());

type Columns = Omit<MonitoringWindowsTable, 'id' | 'created_by' | 'created_at' | 'updated_at'>;

function minuteOf(text: string): number {
  if (text === '24:00') return 0;
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}

/** Checks a whole window (a patch is merged onto the stored one first) and resolves its references. */
async function checkWindow(db: MonitoringDb, actor: Actor, input: WindowInput): Promise<Columns> {
  const fail = (code: string, message: string): never => {
    throw badRequest(code, message);
  };
  const scope = input.scope as WindowScope;
  if (!SCOPES.includes(scope)) fail('INVALID_SCOPE', 'scope 须为 lot、source、district 或 all / scope: lot, source, district or all');
  const kind = input.kind as WindowKind;
  if (!KINDS.includes(kind)) fail('INVALID_KIND', 'kind 须为 once（一次性）或 weekly（每周重复） / kind: once or weekly');
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (!reason || reason.length > 500) fail('INVALID_REASON', '请填写原因（1–500 字） / reason: 1–500 characters');

  const out: Columns = {
    scope, kind, reason, lot_id: null, source_code: null, district_code: null, starts_at: null, ends_at: null,
    days_of_week: null, start_minute: null, end_minute: null, valid_from: null, valid_to: null,
  };
  if (scope === 'lot') {
    if (!input.lotCode) fail('INVALID_FIELD', '按停车场的窗口须给出 lotCode / lotCode is required for scope lot');
    const lot = await db.selectFrom('lots').select(['id', 'district_code']).where('code', '=', input.lotCode!).executeTakeFirst();
    if (!lot || (districtScope(actor) !== null && lot.district_code !== districtScope(actor))) fail('UNKNOWN_LOT', `未登记的停车场 / unknown lot ${input.lotCode}`);
    assertDistrictInScope(actor, lot!.district_code);
    out.lot_id = lot!.id;
  } else if (scope === 'source') {
    if (!input.sourceCode) fail('INVALID_FIELD', '按数据源的窗口须给出 sourceCode / sourceCode is required for scope source');
    const source = await db.selectFrom('data_sources').select('code').where('code', '=', input.sourceCode!).executeTakeFirst();
    if (!source) fail('UNKNOWN_SOURCE', `未登记的数据源 / unknown data source ${input.sourceCode}`);
    out.source_code = source!.code;
  } else if (scope === 'district') {
    if (!input.districtCode) fail('INVALID_FIELD', '按县市区的窗口须给出 districtCode / districtCode is required for scope district');
    const district = await db.selectFrom('districts').select('code').where('code', '=', input.districtCode!).executeTakeFirst();
    if (!district) fail('UNKNOWN_DISTRICT', `未知县市区 / unknown district ${input.districtCode}`);
    assertDistrictInScope(actor, district!.code);
    out.district_code = district!.code;
  }

  if (kind === 'once') {
    const startsAt = parseBusinessTime(input.startsAt);
    const endsAt = parseBusinessTime(input.endsAt);
    if (!startsAt || !endsAt) fail('INVALID_TIME', 'startsAt、endsAt 须为 ISO 8601 或 YYYY-MM-DD HH:mm:ss（上海时间） / startsAt and endsAt: ISO 8601 or Shanghai local time');
    if (endsAt! <= startsAt!) fail('INVALID_WINDOW', '结束时间须晚于开始时间 / endsAt must be after startsAt');
    out.starts_at = startsAt;
    out.ends_at = endsAt;
    return out;
  }
  const days = input.daysOfWeek;
  if (!Array.isArray(days) || days.length === 0 || days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
    fail('INVALID_DAYS', 'daysOfWeek 须为 1–7 的数组（1 = 周一） / daysOfWeek: ISO days 1–7 (1 = Monday)');
  }
  if (typeof input.startTime !== 'string' || !TIME_OF_DAY.test(input.startTime) || input.startTime === '24:00' || typeof input.endTime !== 'string' || !TIME_OF_DAY.test(input.endTime)) {
    fail('INVALID_TIME_OF_DAY', 'startTime、endTime 须为 HH:MM（上海时间；结束不晚于开始表示跨午夜） / startTime and endTime: HH:MM Shanghai time (an end at or before the start runs past midnight)');
  }
  const start = minuteOf(input.startTime!);
  const end = minuteOf(input.endTime!);
  if (start === end) fail('INVALID_TIME_OF_DAY', '开始与结束不能相同 / startTime and endTime must differ');
  for (const [field, value] of [['validFrom', input.validFrom], ['validTo', input.validTo]] as const) {
    if (value != null && !shanghaiDayStart(value)) fail('INVALID_DATE', `${field} 须为 YYYY-MM-DD / ${field}: YYYY-MM-DD`);
  }
  if (input.validFrom && input.validTo && input.validTo < input.validFrom) fail('INVALID_WINDOW', 'validTo 不能早于 validFrom / validTo is before validFrom');
  Object.assign(out, {
    days_of_week: [...new Set(days!)].sort((a, b) => a - b),
    start_minute: start,
    end_minute: end,
    valid_from: input.validFrom ?? null,
    valid_to: input.validTo ?? null,
  });
  return out;
}

export async function createWindow(ctx: MonitoringContext, actor: Actor, input: WindowInput): Promise<WindowView> {
  return ctx.db.transaction().execute(async (trx) => {
    const columns = await checkWindow(trx, actor, input);
    const now = ctx.clock.now();
    const { id } = await trx
      .insertInto('monitoring_windows')
      .values({ ...columns, created_by: actor.username, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const after = await findWindow(trx, actor, id, now);
    await audit(ctx, trx, actor, { action: 'monitoring.window.create', targetType: 'monitoring_window', targetId: id, detail: { after } });
    return after;
  });
}

/** The stored window as input, so that a patch is checked as the whole window it makes. */
function inputOf(v: WindowView): WindowInput {
  return {
    scope: v.scope, lotCode: v.lotCode, sourceCode: v.sourceCode, districtCode: v.scope === 'district' ? v.districtCode : null,
    kind: v.kind, startsAt: v.startsAt, endsAt: v.endsAt, daysOfWeek: v.daysOfWeek, startTime: v.startTime, endTime: v.endTime,
    validFrom: v.validFrom, validTo: v.validTo, reason: v.reason,
  };
}

export async function updateWindow(ctx: MonitoringContext, actor: Actor, id: number, patch: WindowInput): Promise<WindowView> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const before = await findWindow(trx, actor, id, now);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const columns = await checkWindow(trx, actor, { ...inputOf(before), ...defined });
    await trx.updateTable('monitoring_windows').set({ ...columns, updated_at: now }).where('id', '=', id).execute();
    const after = await findWindow(trx, actor, id, now);
    await audit(ctx, trx, actor, { action: 'monitoring.window.update', targetType: 'monitoring_window', targetId: id, detail: { before, after } });
    return after;
  });
}

export async function deleteWindow(ctx: MonitoringContext, actor: Actor, id: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await findWindow(trx, actor, id, ctx.clock.now());
    await trx.deleteFrom('monitoring_windows').where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'monitoring.window.delete', targetType: 'monitoring_window', targetId: id, detail: { before } });
  });
}


/**
 * For other modules (themes' alerts): the lots among `lots` that a maintenance window covers
 * now (its own, its source's, its district's or a city-wide one), with the window's id.
 */
export async function lotsUnderMaintenance(db: AnyDb, now: Date, lots: readonly { lotId: number; sourceCode: string | null; districtCode: string }[]): Promise<Map<number, number>> {
  const active = activeWindows(await loadWindowRules(monitoringDb(db), now), now);
  const out = new Map<number, number>();
  for (const l of lots) {
    const id = windowOverLot(active, { lotId: l.lotId, sourceCode: l.sourceCode ?? '', districtCode: l.districtCode });
    if (id !== null) out.set(l.lotId, id);
  }
  return out;
}
