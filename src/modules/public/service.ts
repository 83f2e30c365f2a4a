import { createHash } from 'node:crypto';
import { readDb } from '../../platform/read-db.js';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { AppError, notFound } from '../../platform/errors.js';
import { districtScope, assertDistrictInScope } from '../../platform/scope.js';
import { parseBusinessTime, shanghaiDay, shanghaiDayStart } from '../../platform/time.js';
import { tariffChargeFen } from '../quality/index.js';
import { LOT_CATEGORIES } from '../registry/index.js';
import { availabilityOf } from './availability.js';
import { HISTORY_DAYS, hoursText, shanghaiHour, usuallyFullHours } from './busy-hours.js';
import { boundingBox, haversineMetres, nearbyPoint, type LngLat } from './geo.js';
import { navigationLinks } from './navigation.js';
import * as repo from './repo.js';
import { forgetPublicLotSnapshot, keepAnswer, publicLotSnapshot, type PublicLotSnapshot } from './snapshot.js';
import { publicContext, type PublicContext, type PublicDb, type PublicLotRow } from './repo.js';
import type { GuidanceReply, LotDetail, PublicLot } from './schemas.js';
import { tariffSummary, tariffText, yuan } from './tariff-text.js';

/*
 * 公众服务: what citizens and mini-program vendors may ask without an account
 * (docs/公众服务接口.md), and the staff settings behind it. Public reads never show a hidden
 * lot, never a number of free spaces that monitoring would call late, and nothing personal.
 */

function publicLot(ctx: PublicContext, r: PublicLotRow, from: LngLat | null): PublicLot {
  const a = availabilityOf(r.status, r.totalSpaces, r.thresholdMinutes, ctx.clock.now());
  return {
    code: r.code, name: r.name, category: r.category, kind: r.kind, districtCode: r.districtCode, districtName: r.districtName,
    address: r.address, lng: r.lng, lat: r.lat,
    distanceM: from && r.lng !== null && r.lat !== null ? Math.round(haversineMetres(from, [r.lng, r.lat])) : null,
    totalSpaces: r.totalSpaces, freeSpaces: a.freeSpaces, availability: a.availability, updatedAt: a.updatedAt,
    priceSummary: r.tariff ? tariffSummary(r.tariff) : null, openingHours: r.openingHours, chargingSpaces: r.chargingSpaces,
  };
}

export interface NearbyInput {
  lng?: number | string;
  lat?: number | string;
  radius?: number | string;
  category?: string;
  coordSystem?: string;
}

function nearbyQuery(q: NearbyInput): { point: LngLat; radiusM: number; category: string | null } {
  const { point, radiusM } = nearbyPoint(q);
  if (q.category !== undefined && q.category !== '' && !(LOT_CATEGORIES as readonly string[]).includes(q.category)) {
    throw new AppError(400, 'INVALID_CATEGORY', `类别须为 ${LOT_CATEGORIES.join('、')} 之一 / category must be one of ${LOT_CATEGORIES.join(', ')}`);
  }
  return { point, radiusM, category: q.category || null };
}

function nearbyItems(ctx: PublicContext, rows: PublicLotRow[], point: LngLat, radiusM: number): PublicLot[] {
  const items = rows.map((r) => publicLot(ctx, r, point)).filter((l) => l.distanceM !== null && l.distanceM <= radiusM);
  items.sort((a, b) => a.distanceM! - b.distanceM! || a.code.localeCompare(b.code));
  return items;
}

/** Public lots within the radius of the point, nearest first. */
export async function nearbyLots(ctx: PublicContext, q: NearbyInput): Promise<{ items: PublicLot[] }> {
  const { point, radiusM, category } = nearbyQuery(q);
  const ttl = ctx.config.publicCacheSeconds ?? 0;
  const snapshot = ttl > 0 ? publicLotSnapshot(ctx.db, ctx.config.lateThresholdMinutes, ttl, readDb(ctx)) : null;
  return { items: nearbyItems(ctx, await rowsNear(ctx, snapshot, point, radiusM, category), point, radiusM) };
}

/** The public lots in the query's bounding box: from the snapshot, or from the database without one. */
async function rowsNear(ctx: PublicContext, snapshot: PublicLotSnapshot | null, point: LngLat, radiusM: number, category: string | null): Promise<PublicLotRow[]> {
  const box = boundingBox(point, radiusM);
  if (!snapshot) return repo.publicLots(readDb(ctx), ctx.config.lateThresholdMinutes, { box, ...(category ? { category } : {}) });
  return (await snapshot.rows).filter((r) => r.lng !== null && r.lat !== null && r.lng >= box.minLng && r.lng <= box.maxLng && r.lat >= box.minLat && r.lat <= box.maxLat
    && (!category || r.category === category));
}

/** A nearby answer serialised once and sent as it is to every request that asks the same. */
export interface NearbyAnswer {
  /** The JSON text of `{ items }`. */
  body: string;
  etag: string;
  /** District of the nearest lot ('' when none): the key of the usage count. */
  districtCode: string;
  /** Clock times (ms): when it was built, and the last instant at which every lot it calls live is still live. */
  builtAt: number;
  liveUntil: number;
}

function answerOf(ctx: PublicContext, rows: PublicLotRow[], point: LngLat, radiusM: number): NearbyAnswer {
  const now = ctx.clock.now().getTime();
  const items = nearbyItems(ctx, rows, point, radiusM);
  // A lot turns stale once its report is older than its threshold (availability.ts): the
  // answer is true until the first of its live lots does. Stale and unknown stay so until a new
  // report, which only a new snapshot brings.
  let liveUntil = Number.POSITIVE_INFINITY;
  for (const r of rows) {
    const at = r.status.at?.getTime();
    if (at === undefined || r.status.free === null) continue;
    const until = at + r.thresholdMinutes * 60_000;
    if (until >= now) liveUntil = Math.min(liveUntil, until);
  }
  const body = JSON.stringify({ items });
  return { body, etag: etagOfText(body), districtCode: items[0]?.districtCode ?? '', builtAt: now, liveUntil };
}

/**
 * The nearby answer as JSON text (docs/公众服务接口.md, “缓存”). With the snapshot on
 * (ZHIBO_PUBLIC_CACHE_SECONDS > 0) an answer is kept inside the snapshot, keyed by the exact
 * query (point in GCJ-02, radius, category), and given again while the snapshot lasts and no
 * lot it calls live has turned stale on the clock — the same answer a fresh computation over
 * that snapshot would give. With 0 every call reads the database.
 */
export async function nearbyAnswer(ctx: PublicContext, q: NearbyInput): Promise<NearbyAnswer> {
  const { point, radiusM, category } = nearbyQuery(q);
  const ttl = ctx.config.publicCacheSeconds ?? 0;
  if (ttl <= 0) return answerOf(ctx, await rowsNear(ctx, null, point, radiusM, category), point, radiusM);
  const snapshot = publicLotSnapshot(ctx.db, ctx.config.lateThresholdMinutes, ttl, readDb(ctx));
  const key = `${point[0]},${point[1]},${radiusM},${category ?? ''}`;
  const kept = snapshot.answers.get(key) as NearbyAnswer | undefined;
  const now = ctx.clock.now().getTime();
  if (kept && now >= kept.builtAt && now <= kept.liveUntil) return kept;
  const answer = answerOf(ctx, await rowsNear(ctx, snapshot, point, radiusM, category), point, radiusM);
  keepAnswer(snapshot, key, answer);
  return answer;
}

/**
 * For other modules' public pages (themes' 医院周边停车): the public view of the given lots, as in
 * the nearby list without a distance; hidden lots are left out, numbers only when live.
 */
export async function publicLotsByIds(appCtx: AppContext, lotIds: number[]): Promise<PublicLot[]> {
  const ctx = publicContext(appCtx);
  if (!lotIds.length) return [];
  const rows = await repo.publicLots(readDb(ctx), ctx.config.lateThresholdMinutes, { lotIds });
  return rows.map((r) => publicLot(ctx, r, null));
}

async function findPublicLot(ctx: PublicContext, code: string): Promise<PublicLotRow> {
  const [row] = await repo.publicLots(readDb(ctx), ctx.config.lateThresholdMinutes, { code });
  if (!row) throw notFound(`停车场 ${code}`);
  return row;
}

/** One public lot with its tariff, today's occupancy, busy hours and navigation links; 404 if hidden or unknown. */
export async function lotDetail(ctx: PublicContext, code: string, q: { lng?: number; lat?: number; coordSystem?: string } = {}): Promise<LotDetail> {
  const from = q.lng !== undefined && q.lat !== undefined ? nearbyPoint({ lng: q.lng, lat: q.lat, ...(q.coordSystem ? { coordSystem: q.coordSystem } : {}) }).point : null;
  const r = await findPublicLot(ctx, code);
  const now = ctx.clock.now();
  const todayStart = shanghaiDayStart(shanghaiDay(now))!;
  const [today, history] = await Promise.all([
    repo.lotHourRatios(readDb(ctx), r.id, todayStart, now),
    repo.lotHourRatios(readDb(ctx), r.id, new Date(todayStart.getTime() - HISTORY_DAYS * 86_400_000), todayStart),
  ]);
  const full = usuallyFullHours(history);
  return {
    ...publicLot(ctx, r, from),
    tariff: r.tariff,
    tariffText: r.tariff ? tariffText(r.tariff) : null,
    occupancyToday: today.map((h) => ({ hour: shanghaiHour(h.at), at: h.at.toISOString(), occupancy: Math.round(Math.min(Math.max(h.ratio, 0), 1) * 10_000) / 10_000 })),
    usuallyFullHours: full,
    usuallyFullAt: hoursText(full),
    navigation: r.lng !== null && r.lat !== null ? navigationLinks(r.lng, r.lat, r.name) : null,
  };
}

/** Longest stay an estimate covers: 31 days. */
export const MAX_ESTIMATE_MINUTES = 31 * 24 * 60;

/** The fee of a stay from `from` to `to` (default now) by the lot's tariff — quality's engine. */
export async function estimateFee(ctx: PublicContext, code: string, q: { from: string; to?: string }) {
  const from = parseBusinessTime(q.from);
  const to = q.to === undefined || q.to === '' ? ctx.clock.now() : parseBusinessTime(q.to);
  if (!from || !to) throw new AppError(400, 'INVALID_TIME', '时间格式应为 ISO 8601 或 YYYY-MM-DD HH:mm:ss / times must be ISO 8601 or YYYY-MM-DD HH:mm:ss');
  if (to.getTime() < from.getTime()) throw new AppError(400, 'INVALID_RANGE', '离场时间早于入场时间 / to is before from');
  const minutes = (to.getTime() - from.getTime()) / 60_000;
  if (minutes > MAX_ESTIMATE_MINUTES) throw new AppError(400, 'INVALID_RANGE', '最长估算 31 天 / at most 31 days');
  const lot = await findPublicLot(ctx, code);
  if (!lot.tariff) throw new AppError(404, 'NO_TARIFF', `停车场 ${code} 未登记收费标准 / lot ${code} has no tariff`);
  const fen = await tariffChargeFen(ctx.db, lot.id, minutes);
  if (fen === null) throw new AppError(404, 'NO_TARIFF', `停车场 ${code} 未登记收费标准 / lot ${code} has no tariff`);
  return {
    lotCode: lot.code, from: from.toISOString(), to: to.toISOString(), minutes: Math.floor(minutes),
    feeFen: fen, feeYuan: yuan(fen), tariffText: tariffText(lot.tariff),
  };
}

/** Districts with public lots and the centre of those lots (for "pick a district" on the H5 page). */
export async function publicDistricts(ctx: PublicContext) {
  const [rows, districts] = await Promise.all([
    repo.publicLots(readDb(ctx), ctx.config.lateThresholdMinutes, {}),
    ctx.db.selectFrom('districts').select(['code', 'name']).orderBy('sort_order').orderBy('code').execute(),
  ]);
  return {
    items: districts.map((d) => {
      const mine = rows.filter((r) => r.districtCode === d.code && r.lng !== null && r.lat !== null);
      const mean = (f: (r: PublicLotRow) => number) => Math.round((mine.reduce((s, r) => s + f(r), 0) / mine.length) * 1e6) / 1e6;
      return { code: d.code, name: d.name, lots: mine.length, lng: mine.length ? mean((r) => r.lng!) : null, lat: mine.length ? mean((r) => r.lat!) : null };
    }),
  };
}

// ---- guidance feed ----

/** Free spaces per lot and per sign group of an area (district code or sign-group code). */
export async function guidance(ctx: PublicContext, area: string): Promise<GuidanceReply> {
  const [group] = await repo.signGroups(ctx.db, area);
  let areaView: GuidanceReply['area'];
  let lots: PublicLotRow[];
  let groups: repo.SignGroupRow[];
  if (group) {
    areaView = { type: 'signGroup', code: group.code, name: group.name };
    lots = await repo.publicLots(readDb(ctx), ctx.config.lateThresholdMinutes, { lotIds: group.lotIds });
    groups = [group];
  } else {
    const district = await ctx.db.selectFrom('districts').select(['code', 'name']).where('code', '=', area).executeTakeFirst();
    if (!district) throw new AppError(404, 'UNKNOWN_AREA', `无此县市区或诱导屏分组 ${area} / no district or sign group ${area}`);
    areaView = { type: 'district', code: district.code, name: district.name };
    lots = await repo.publicLots(readDb(ctx), ctx.config.lateThresholdMinutes, { districtCode: district.code });
    const ids = new Set(lots.map((l) => l.id));
    groups = (await repo.signGroups(ctx.db)).filter((g) => g.lotIds.some((id) => ids.has(id)));
    const missing = [...new Set(groups.flatMap((g) => g.lotIds))].filter((id) => !ids.has(id));
    if (missing.length) lots = lots.concat(await repo.publicLots(readDb(ctx), ctx.config.lateThresholdMinutes, { lotIds: missing }));
  }
  const now = ctx.clock.now();
  const view = new Map(lots.map((l) => {
    const a = availabilityOf(l.status, l.totalSpaces, l.thresholdMinutes, now);
    return [l.id, { code: l.code, name: l.name, totalSpaces: l.totalSpaces, freeSpaces: a.freeSpaces, availability: a.availability, updatedAt: a.updatedAt }];
  }));
  return {
    area: areaView,
    lots: [...view.values()].sort((a, b) => a.code.localeCompare(b.code)),
    groups: groups.map((g) => {
      // Hidden lots stay out of the public sums, as they stay out of every public answer.
      const members = g.lotIds.map((id) => view.get(id)).filter((v) => v !== undefined);
      const live = members.filter((m) => m.availability === 'live');
      return {
        code: g.code, name: g.name, lotCodes: members.map((m) => m.code),
        freeSpaces: live.length ? live.reduce((s, m) => s + (m.freeSpaces ?? 0), 0) : null, liveLots: live.length, lots: members.length,
      };
    }),
  };
}

/** A weak validator of a JSON answer: the same content gives the same tag. */
export function etagOf(body: unknown): string {
  return etagOfText(JSON.stringify(body));
}

function etagOfText(text: string): string {
  return `W/"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

/** Whether an If-None-Match header names the tag (weak comparison, lists and `*`). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

// ---- staff: settings and sign groups ----

async function scopedLot(ctx: PublicContext, actor: Actor, code: string) {
  const lot = await repo.lotByCode(ctx.db, code, districtScope(actor));
  if (!lot) throw notFound(`停车场 ${code}`);
  return lot;
}

function settingsView(code: string, s: repo.LotSettingsRow) {
  return { lotCode: code, hidden: s.hidden, openingHours: s.openingHours, chargingSpaces: s.chargingSpaces, updatedAt: s.updatedAt?.toISOString() ?? null, updatedBy: s.updatedBy };
}

export async function getLotSettings(ctx: PublicContext, actor: Actor, code: string) {
  const lot = await scopedLot(ctx, actor, code);
  return settingsView(lot.code, await repo.lotSettings(ctx.db, lot.id));
}

export async function putLotSettings(ctx: PublicContext, actor: Actor, code: string, input: { hidden: boolean; openingHours: string | null; chargingSpaces: number | null }) {
  return ctx.db.transaction().execute(async (trx) => {
    const lot = await scopedLot({ ...ctx, db: trx }, actor, code);
    const before = await repo.lotSettings(trx, lot.id);
    const openingHours = input.openingHours?.trim() || null;
    await repo.upsertLotSettings(trx, { lotId: lot.id, hidden: input.hidden, openingHours, chargingSpaces: input.chargingSpaces, at: ctx.clock.now(), by: actor.username });
    const after = await repo.lotSettings(trx, lot.id);
    await audit(ctx, trx, actor, {
      action: 'public.lot_settings.update', targetType: 'lot', targetId: lot.code,
      detail: { before: { hidden: before.hidden, openingHours: before.openingHours, chargingSpaces: before.chargingSpaces }, after: { hidden: after.hidden, openingHours: after.openingHours, chargingSpaces: after.chargingSpaces } },
    });
    return settingsView(lot.code, after);
  }).finally(() => forgetPublicLotSnapshot(ctx.db));
}

function groupView(g: repo.SignGroupRow) {
  return { code: g.code, name: g.name, lotCodes: g.lotCodes, updatedAt: g.updatedAt.toISOString(), updatedBy: g.updatedBy };
}

export async function listSignGroups(ctx: PublicContext) {
  return { items: (await repo.signGroups(ctx.db)).map(groupView) };
}

/** The lots of a group's list, each known and within the actor's district scope. */
async function groupLots(ctx: PublicContext, actor: Actor, codes: string[]): Promise<number[]> {
  const unique = [...new Set(codes)];
  const lots = await repo.lotsByCodes(ctx.db, unique);
  const byCode = new Map(lots.map((l) => [l.code, l]));
  const unknown = unique.filter((c) => !byCode.has(c));
  if (unknown.length) throw new AppError(400, 'UNKNOWN_LOT', `未知停车场 / unknown lots: ${unknown.join(', ')}`, { lotCodes: unknown });
  for (const l of lots) assertDistrictInScope(actor, l.districtCode);
  return unique.map((c) => byCode.get(c)!.id);
}

export async function createSignGroup(ctx: PublicContext, actor: Actor, input: { code: string; name: string; lotCodes: string[] }) {
  return ctx.db.transaction().execute(async (trx) => {
    const tctx = { ...ctx, db: trx };
    if ((await repo.signGroups(trx, input.code)).length) throw new AppError(409, 'SIGN_GROUP_EXISTS', `诱导屏分组 ${input.code} 已存在 / sign group ${input.code} exists`);
    const lotIds = await groupLots(tctx, actor, input.lotCodes);
    const id = await repo.insertSignGroup(trx, { code: input.code, name: input.name.trim(), at: ctx.clock.now(), by: actor.username });
    await repo.setSignGroupLots(trx, id, lotIds);
    const [g] = await repo.signGroups(trx, input.code);
    await audit(ctx, trx, actor, { action: 'public.sign_group.create', targetType: 'sign_group', targetId: input.code, detail: { after: { name: g!.name, lotCodes: g!.lotCodes } } });
    return groupView(g!);
  });
}

async function existingGroup(db: PublicDb, code: string) {
  const [g] = await repo.signGroups(db, code);
  if (!g) throw notFound(`诱导屏分组 ${code}`);
  return g;
}

export async function updateSignGroup(ctx: PublicContext, actor: Actor, code: string, input: { name: string; lotCodes: string[] }) {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await existingGroup(trx, code);
    const lotIds = await groupLots({ ...ctx, db: trx }, actor, input.lotCodes);
    await repo.updateSignGroup(trx, before.id, { name: input.name.trim(), at: ctx.clock.now(), by: actor.username });
    await repo.setSignGroupLots(trx, before.id, lotIds);
    const after = await existingGroup(trx, code);
    await audit(ctx, trx, actor, {
      action: 'public.sign_group.update', targetType: 'sign_group', targetId: code,
      detail: { before: { name: before.name, lotCodes: before.lotCodes }, after: { name: after.name, lotCodes: after.lotCodes } },
    });
    return groupView(after);
  });
}

export async function deleteSignGroup(ctx: PublicContext, actor: Actor, code: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await existingGroup(trx, code);
    // A district user may remove only a group whose lots are all theirs.
    await groupLots({ ...ctx, db: trx }, actor, before.lotCodes);
    await repo.deleteSignGroup(trx, before.id);
    await audit(ctx, trx, actor, { action: 'public.sign_group.delete', targetType: 'sign_group', targetId: code, detail: { before: { name: before.name, lotCodes: before.lotCodes } } });
  });
}
