import { sql, type SelectQueryBuilder } from 'kysely';
import { can, type Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { photoRefKind } from '../../platform/photo-store.js';
import { maskPlate, plateFilterFor, type PlateFilter } from '../../platform/plates.js';
import { districtScope } from '../../platform/scope.js';
import { parseBusinessTime, shanghaiDayStart } from '../../platform/time.js';
import type { AnyDb } from '../../platform/db.js';
import { PAY_CHANNELS } from './vocab.js';
import type { SessionFlag } from './tables.js';
import { type SessionsDb, type SessionsDbTables, sessionsDb } from './repo.js';

/*
 * Parking records (停车流水) as people query them (the records API in /api/openapi.json, docs/用户手册.md 第 4 章). Every read
 * goes through `sessionQuery`, which joins the lot and applies the actor's district scope, so a
 * district user never sees, counts or exports another district's sessions. Plates are masked
 * here for actors without `pii`, who may filter by a whole plate only; callers audit the unmasked
 * reads (see `auditUnmasked`) and the plate searches without pii (see `auditPlateSearch`).
 *
 * Order: the session's time — entry time, or exit time when the entry is unknown — newest
 * first, then id; pages are keyset pages on (time, id), so they stay stable while new events
 * arrive and cost the same deep in the list as on page one.
 */

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
export const SESSION_STATES = ['open', 'closed', 'flagged'] as const;
export type StateFilter = (typeof SESSION_STATES)[number];

/** Query parameters as they come in (strings); `parseFilters` checks them. */
export interface RawFilters {
  lotCode?: string;
  plate?: string;
  districtCode?: string;
  from?: string;
  to?: string;
  state?: string;
  payChannel?: string;
}

export interface SessionFilters {
  lotCode?: string;
  /** Normalised; exact for a whole valid plate, else (only with `pii`) a part (`plateFilterFor`). */
  plate?: PlateFilter;
  districtCode?: string;
  /** On the session time, inclusive. */
  from?: Date;
  /** On the session time, exclusive. */
  to?: Date;
  state?: StateFilter;
  payChannel?: string;
}

/** Keyset position: the last row's session time (µs-exact, UTC) and id. */
export interface Cursor {
  time: string | null;
  id: number;
}

export interface SessionItem {
  id: number;
  lotCode: string;
  lotName: string;
  districtCode: string;
  plate: string;
  plateColor: string | null;
  berthCode: string | null;
  enteredAt: string | null;
  exitedAt: string | null;
  durationMinutes: number | null;
  receivableFen: number | null;
  paidFen: number | null;
  arrearsFen: number | null;
  payChannel: string | null;
  state: 'open' | 'closed';
  flags: SessionFlag[];
  /** The data-cleaning fix that set this record aside (it counts in no statistic), or null. */
  excludedByFix: number | null;
}

const blank = (v: string | undefined): v is undefined => v === undefined || v.trim() === '';

/**
 * Checks and normalises the filters as `actor` may use them; 400 with a specific code for each
 * kind of bad value. Without `pii` the plate must be whole (400 PLATE_EXACT_REQUIRED).
 */
export function parseFilters(q: RawFilters, actor: Actor): SessionFilters {
  const f: SessionFilters = {};
  if (!blank(q.lotCode)) f.lotCode = q.lotCode.trim();
  const plate = plateFilterFor(actor, q.plate);
  if (plate) f.plate = plate;
  if (!blank(q.districtCode)) {
    const code = q.districtCode.trim();
    if (!/^[0-9]{6}$/.test(code)) throw badRequest('INVALID_DISTRICT', `县市区代码应为 6 位数字 / districtCode must be 6 digits: ${code}`);
    f.districtCode = code;
  }
  if (!blank(q.from)) f.from = parseBound(q.from, 'from');
  if (!blank(q.to)) f.to = parseBound(q.to, 'to');
  if (f.from && f.to && f.from >= f.to) {
    throw badRequest('INVALID_TIME_RANGE', `开始时间不早于结束时间 / from is not before to: ${q.from} ≥ ${q.to}`);
  }
  if (!blank(q.state)) {
    const state = q.state.trim().toLowerCase();
    if (!(SESSION_STATES as readonly string[]).includes(state)) {
      throw badRequest('INVALID_STATE', `状态应为 ${SESSION_STATES.join('|')} / state must be one of ${SESSION_STATES.join(', ')}`);
    }
    f.state = state as StateFilter;
  }
  if (!blank(q.payChannel)) {
    const channel = q.payChannel.trim().toLowerCase();
    if (!(PAY_CHANNELS as readonly string[]).includes(channel)) {
      throw badRequest('INVALID_PAY_CHANNEL', `支付方式应为 ${PAY_CHANNELS.join('|')} / payChannel must be one of ${PAY_CHANNELS.join(', ')}`);
    }
    f.payChannel = channel;
  }
  return f;
}

/**
 * A bound of the time filter: a Shanghai day 'YYYY-MM-DD' (as `to`: the whole day, so the
 * next day's start), 'YYYY-MM-DD HH:mm:ss' Shanghai time, or ISO 8601 (without an offset:
 * Shanghai time). A time `to` is exclusive.
 */
export function parseBound(text: string, which: 'from' | 'to'): Date {
  const value = text.trim();
  const invalid = () =>
    badRequest('INVALID_TIME', `${which}: 应为 YYYY-MM-DD、YYYY-MM-DD HH:mm:ss 或 ISO 8601 时间 / must be YYYY-MM-DD, YYYY-MM-DD HH:mm:ss or ISO 8601: ${value}`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = shanghaiDayStart(value);
    if (!start) throw invalid();
    return which === 'to' ? new Date(start.getTime() + 86_400_000) : start;
  }
  const t = parseBusinessTime(value);
  if (!t) throw invalid();
  return t;
}

export function parseLimit(text: string | undefined): number {
  if (blank(text)) return DEFAULT_LIMIT;
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > MAX_LIMIT) {
    throw badRequest('INVALID_LIMIT', `limit 应为 1–${MAX_LIMIT} 的整数 / limit must be an integer 1–${MAX_LIMIT}`);
  }
  return n;
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.time, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor | null {
  if (blank(text)) return null;
  const bad = () => badRequest('INVALID_CURSOR', '翻页游标无效，请从第一页重新查询 / invalid cursor: start again from the first page');
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [time, id] = parsed as [unknown, unknown];
  if (!(time === null || (typeof time === 'string' && CURSOR_TIME.test(time) && !Number.isNaN(Date.parse(time))))) throw bad();
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw bad();
  return { time, id };
}

/** The session time: entry, or exit when the entry is unknown. */
const sessionTime = sql<Date | null>`coalesce(parking_sessions.entered_at, parking_sessions.exited_at)`;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Sessions within the actor's district scope, filtered; the base of every read. */
function sessionQuery(db: SessionsDb, actor: Actor, f: SessionFilters) {
  const scope = districtScope(actor);
  return db
    .selectFrom('parking_sessions')
    .innerJoin('lots', 'lots.id', 'parking_sessions.lot_id')
    .$if(scope !== null, (qb) => qb.where('lots.district_code', '=', scope!))
    .$if(f.districtCode !== undefined, (qb) => qb.where('lots.district_code', '=', f.districtCode!))
    .$if(f.lotCode !== undefined, (qb) => qb.where('lots.code', '=', f.lotCode!))
    .$if(f.plate?.kind === 'exact', (qb) => qb.where('parking_sessions.plate', '=', f.plate!.value))
    .$if(f.plate?.kind === 'contains', (qb) => qb.where('parking_sessions.plate', 'like', `%${escapeLike(f.plate!.value)}%`))
    .$if(f.from !== undefined, (qb) => qb.where(sessionTime, '>=', f.from!))
    .$if(f.to !== undefined, (qb) => qb.where(sessionTime, '<', f.to!))
    .$if(f.state === 'open' || f.state === 'closed', (qb) => qb.where('parking_sessions.state', '=', f.state as 'open' | 'closed'))
    .$if(f.state === 'flagged', (qb) => qb.where(sql<boolean>`cardinality(parking_sessions.flags) > 0`))
    .$if(f.payChannel !== undefined, (qb) => qb.where('parking_sessions.pay_channel', '=', f.payChannel!));
}

type Base = ReturnType<typeof sessionQuery>;

function selectRow<QB extends Base>(qb: QB) {
  return qb
    .innerJoin('districts', 'districts.code', 'lots.district_code')
    .select([
      'parking_sessions.id',
      'parking_sessions.plate',
      'parking_sessions.plate_color',
      'parking_sessions.berth_code',
      'parking_sessions.entered_at',
      'parking_sessions.exited_at',
      'parking_sessions.receivable_fen',
      'parking_sessions.paid_fen',
      'parking_sessions.pay_channel',
      'parking_sessions.state',
      'parking_sessions.flags',
      'parking_sessions.excluded_by',
      'parking_sessions.source_code',
      'parking_sessions.lot_id',
      'parking_sessions.entry_event_id',
      'parking_sessions.exit_event_id',
      'parking_sessions.entry_photo',
      'parking_sessions.exit_photo',
      'lots.code as lot_code',
      'lots.name as lot_name',
      'lots.district_code',
      'districts.name as district_name',
    ])
    // µs-exact in UTC, for the cursor: a Date would cut microseconds and skip rows at a tie.
    .select(sql<string | null>`to_char(coalesce(parking_sessions.entered_at, parking_sessions.exited_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('sort_time'));
}

export type SessionRow = Awaited<ReturnType<ReturnType<typeof selectRow<Base>>['execute']>>[number];

function afterCursor<QB extends SelectQueryBuilder<SessionsDbTables, 'parking_sessions' | 'lots', object>>(qb: QB, c: Cursor | null): QB {
  if (!c) return qb;
  if (c.time === null) {
    // Rows without a time sort last: only those with a smaller id remain.
    return qb.where(sessionTime, 'is', null).where('parking_sessions.id', '<', c.id) as QB;
  }
  const t = sql<Date | null>`${c.time}::timestamptz`;
  return qb.where((eb) =>
    eb.or([
      eb(sessionTime, '<', t),
      eb.and([eb(sessionTime, '=', t), eb('parking_sessions.id', '<', c.id)]),
      eb(sessionTime, 'is', null),
    ]),
  ) as QB;
}

/** One keyset page of rows: `limit` rows after the cursor, and whether there are more. */
export async function fetchPage(db: SessionsDb, actor: Actor, f: SessionFilters, cursor: Cursor | null, limit: number): Promise<{ rows: SessionRow[]; next: Cursor | null }> {
  const rows = await selectRow(afterCursor(sessionQuery(db, actor, f), cursor))
    .orderBy(sql`coalesce(parking_sessions.entered_at, parking_sessions.exited_at) desc nulls last`)
    .orderBy('parking_sessions.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? { time: last.sort_time, id: Number(last.id) } : null };
}

/** One session by id within the actor's scope, or undefined. */
export async function fetchOne(anyDb: AnyDb, actor: Actor, id: number): Promise<SessionRow | undefined> {
  const db = sessionsDb(anyDb);
  return selectRow(sessionQuery(db, actor, {})).where('parking_sessions.id', '=', id).executeTakeFirst();
}

export function seesPlates(actor: Actor): boolean {
  return can(actor, 'pii');
}

export function durationMinutes(enteredAt: Date | null, exitedAt: Date | null): number | null {
  if (!enteredAt || !exitedAt) return null;
  return Math.floor((exitedAt.getTime() - enteredAt.getTime()) / 60_000);
}

export function arrearsFen(receivable: number | null, paid: number | null): number | null {
  if (receivable === null) return null;
  return Math.max(receivable - (paid ?? 0), 0);
}

export function toItem(r: SessionRow, unmasked: boolean): SessionItem {
  return {
    id: Number(r.id),
    lotCode: r.lot_code,
    lotName: r.lot_name,
    districtCode: r.district_code,
    plate: unmasked ? r.plate : maskPlate(r.plate),
    plateColor: r.plate_color,
    berthCode: r.berth_code,
    enteredAt: r.entered_at ? r.entered_at.toISOString() : null,
    exitedAt: r.exited_at ? r.exited_at.toISOString() : null,
    durationMinutes: durationMinutes(r.entered_at, r.exited_at),
    receivableFen: r.receivable_fen,
    paidFen: r.paid_fen,
    arrearsFen: arrearsFen(r.receivable_fen, r.paid_fen),
    payChannel: r.pay_channel,
    state: r.state,
    flags: [...(r.flags ?? [])],
    excludedByFix: r.excluded_by === null ? null : Number(r.excluded_by),
  };
}

const FILTER_KEYS = ['lotCode', 'plate', 'districtCode', 'from', 'to', 'state', 'payChannel'] as const;

/** The filters as the audit log keeps them: what was asked, in the caller's words. */
export function filterForAudit(q: RawFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = q[k];
    if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  }
  return out;
}

export type PhotoSide = 'entry' | 'exit';
export interface PhotoView {
  kind: 'stored' | 'external';
  url: string | null;
}

/** What the record's detail says about one snapshot: its kind, and where to see it (pii only). */
export function photoView(id: number, side: PhotoSide, ref: string | null, unmasked: boolean): PhotoView | null {
  if (ref === null) return null;
  const r = photoRefKind(ref);
  if (!unmasked) return { kind: r.kind, url: null };
  return r.kind === 'stored' ? { kind: 'stored', url: `/api/v1/sessions/${id}/photos/${side}` } : { kind: 'external', url: r.url };
}
