import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { maskPlate, normalizePlate } from '../../platform/plates.js';
import {
  decodeCursor, encodeCursor, fetchOne, fetchPage, filterForAudit, parseFilters, parseLimit, photoView, seesPlates, toItem,
  type PhotoView, type RawFilters, type SessionItem, type SessionRow,
} from './records-query.js';
import type { SessionsContext } from './repo.js';

/*
 * The parking-records service: list, detail, and the audit of unmasked reads. docs/architecture.md, cross-cutting rules:
 * every read of unmasked records is audited — one `session.read_pii` row per response that
 * carried unmasked plates, with the filter and the count, never the plates themselves.
 * A search by plate of a user without pii is audited too — one `session.plate_search` row per
 * query, with the plate searched, whether or not it found anything (docs/architecture.md,
 * "Personal data"); the audit log is read only by users who may see plates.
 */

export const READ_PII = 'session.read_pii';
export const PLATE_SEARCH = 'session.plate_search';

export interface ListQuery extends RawFilters {
  cursor?: string;
  limit?: string;
}

export async function listSessions(ctx: SessionsContext, actor: Actor, q: ListQuery): Promise<{ items: SessionItem[]; nextCursor: string | null }> {
  const filters = parseFilters(q, actor);
  const limit = parseLimit(q.limit);
  const cursor = decodeCursor(q.cursor);
  const unmasked = seesPlates(actor);
  const { rows, next } = await fetchPage(ctx.db, actor, filters, cursor, limit);
  if (unmasked && rows.length > 0) {
    await auditUnmasked(ctx, actor, { filter: filterForAudit(q), count: rows.length, ...(cursor ? { page: 'next' } : {}) });
  }
  if (!unmasked && filters.plate) {
    await auditPlateSearch(ctx, actor, { plate: filters.plate.value, filter: filterForAudit(q), count: rows.length, ...(cursor ? { page: 'next' } : {}) });
  }
  return { items: rows.map((r) => toItem(r, unmasked)), nextCursor: next ? encodeCursor(next) : null };
}

export function auditUnmasked(ctx: SessionsContext, actor: Actor, detail: Record<string, unknown>, target?: { id: number }): Promise<void> {
  return audit(ctx, ctx.db, actor, {
    action: READ_PII,
    targetType: 'parking_session',
    ...(target ? { targetId: target.id } : {}),
    detail,
  });
}

/** A plate search by a user without pii: who searched which plate (masked answers or none). */
export function auditPlateSearch(ctx: SessionsContext, actor: Actor, detail: { plate: string } & Record<string, unknown>): Promise<void> {
  return audit(ctx, ctx.db, actor, { action: PLATE_SEARCH, targetType: 'parking_session', detail });
}

export interface SessionEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  via: string;
  payload: Record<string, unknown>;
}

/** Related events are looked up only for sessions of at most this length (index range on the lot's events). */
const RELATED_WINDOW_MS = 7 * 86_400_000;
const MAX_EVENTS = 100;

export function parseSessionId(text: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw badRequest('INVALID_ID', `流水编号应为正整数 / session id must be a positive integer: ${text}`);
  return Number(text);
}

export async function getSession(ctx: SessionsContext, actor: Actor, idText: string): Promise<SessionItem & { entryPhoto: PhotoView | null; exitPhoto: PhotoView | null; events: SessionEvent[] }> {
  const id = parseSessionId(idText);
  const row = await fetchOne(ctx.db, actor, id);
  if (!row) throw notFound(`停车流水 ${id}`);
  const unmasked = seesPlates(actor);
  const events = await sessionEvents(ctx, row);
  // The detail hands a pii user the snapshots' addresses (external https URLs as they came): audited with the unmasked read.
  const photos = [row.entry_photo, row.exit_photo].filter((p) => p !== null).length;
  if (unmasked) await auditUnmasked(ctx, actor, { count: 1, events: events.length, ...(photos ? { photos } : {}) }, { id });
  return {
    ...toItem(row, unmasked),
    entryPhoto: photoView(id, 'entry', row.entry_photo, unmasked),
    exitPhoto: photoView(id, 'exit', row.exit_photo, unmasked),
    events: events.map((e) => ({ ...e, payload: unmasked ? e.payload : maskPayload(e.payload) })),
  };
}

/**
 * The events behind a session: its entry and exit (by event id, from the lot's source), and
 * the other entries, exits and payments of the same plate at the same lot in between — those
 * only when the stay is short enough for a cheap index range.
 */
async function sessionEvents(ctx: SessionsContext, s: SessionRow): Promise<SessionEvent[]> {
  const ids = [s.entry_event_id, s.exit_event_id].filter((x): x is string => x !== null);
  const related = s.entered_at !== null && s.exited_at !== null && s.exited_at.getTime() - s.entered_at.getTime() <= RELATED_WINDOW_MS && s.exited_at >= s.entered_at;
  if (ids.length === 0 && !related) return [];
  const rows = await ctx.db
    .selectFrom('ingest_events')
    .select(['id', 'event_id', 'type', 'occurred_at', 'received_at', 'via', 'payload'])
    .where((eb) => {
      const named = ids.length > 0 ? [eb.and([eb('source_code', '=', s.source_code), eb('event_id', 'in', ids)])] : [];
      const between = related
        ? [
            eb.and([
              eb('lot_id', '=', s.lot_id),
              eb('occurred_at', '>=', s.entered_at!),
              eb('occurred_at', '<=', s.exited_at!),
              eb('plate', '=', s.plate),
              eb('type', 'in', ['entry', 'exit', 'payment']),
            ]),
          ]
        : [];
      return eb.or([...named, ...between]);
    })
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(MAX_EVENTS)
    .execute();
  return rows.map((r) => ({
    eventId: r.event_id,
    type: r.type,
    occurredAt: r.occurred_at.toISOString(),
    receivedAt: r.received_at.toISOString(),
    via: r.via,
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload,
  }));
}

const PLATE_KEY = /plate/i;
const NOT_PLATE_KEY = /colou?r|type|kind/i;
/** A snapshot shows the plate: its address is withheld like the plate (any string field named like `photo`). */
const PHOTO_KEY = /photo/i;

/** A raw event with every plate in it masked (any string field named like `plate`, at any depth) and its snapshot addresses withheld. */
export function maskPayload<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => maskPayload(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && PHOTO_KEY.test(k)) out[k] = '***';
    else if (typeof v === 'string' && PLATE_KEY.test(k) && !NOT_PLATE_KEY.test(k)) out[k] = maskPlate(normalizePlate(v));
    else out[k] = maskPayload(v);
  }
  return out as T;
}
