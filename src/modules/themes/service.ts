import { audit } from '../../platform/context.js';
import type { Actor } from '../../platform/auth/permissions.js';
import { AppError, notFound } from '../../platform/errors.js';
import { assertDistrictInScope, districtScope } from '../../platform/scope.js';
import { LOT_CATEGORIES } from '../registry/index.js';
import { resolveMembers, type Member } from './membership.js';
import * as repo from './repo.js';
import type { ThemesContext, ThemesDb, ThemeRow, ThemeWrite } from './repo.js';
import type { ThemeKind, ThemePoint } from './tables.js';
import { THEME_KINDS } from './vocab.js';

/*
 * Themes (市域专题, docs/市域专题接口.md): create, read, change and remove a theme, and resolve its
 * membership. A district user's theme belongs to that district: only its lots, seen only by that
 * district and city-wide users; other themes are not found for a district user.
 */

export const MAX_POINT_RADIUS_M = 20_000;

export interface ThemeInput {
  code?: string;
  name?: string;
  kind?: string;
  lotCodes?: string[];
  points?: { lng: number; lat: number; radiusM: number }[];
  categories?: string[];
  districtCodes?: string[];
  eventFrom?: string | null;
  eventTo?: string | null;
  frozen?: boolean;
  published?: boolean;
  alert?: { threshold?: number; minutes?: number; enabled?: boolean };
}

export interface ThemeView {
  code: string;
  name: string;
  kind: ThemeKind;
  districtCode: string | null;
  lotCodes: string[];
  points: ThemePoint[];
  categories: string[];
  districtCodes: string[];
  eventFrom: string | null;
  eventTo: string | null;
  frozen: boolean;
  published: boolean;
  alert: { threshold: number; minutes: number; enabled: boolean };
  members: { code: string; name: string; districtCode: string; category: string; totalSpaces: number; lng: number | null; lat: number | null; via: Member['via'] }[];
  memberCount: number;
  totalSpaces: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const validDay = (d: string) => DAY.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

/** The members of a theme now: from its rules over the registry's lots, or as stored while frozen. */
export async function membersOf(ctx: ThemesContext, db: ThemesDb, theme: ThemeRow): Promise<{ member: Member; lot: repo.LotInfo }[]> {
  if (theme.frozen) {
    const stored = await repo.storedMembers(db, theme.id);
    const lots = new Map((await repo.lotInfos(db, ctx.config.lateThresholdMinutes, stored.map((m) => m.lotId))).map((l) => [l.id, l]));
    return stored.filter((m) => lots.has(m.lotId)).map((m) => ({ member: m, lot: lots.get(m.lotId)! }));
  }
  // Only explicit lots: no other lot can match, so only those are read (not the whole registry).
  const explicitOnly = theme.points.length === 0 && theme.categories.length === 0;
  const lots = await repo.lotInfos(db, ctx.config.lateThresholdMinutes, explicitOnly ? theme.lotIds : undefined);
  const byId = new Map(lots.map((l) => [l.id, l]));
  return resolveMembers(theme, lots).map((m) => ({ member: m, lot: byId.get(m.lotId)! }));
}

/** Recomputes and stores the membership of a theme that is not frozen. */
export async function refreshMembers(ctx: ThemesContext, db: ThemesDb, theme: ThemeRow): Promise<void> {
  if (theme.frozen) return;
  const members = await membersOf(ctx, db, theme);
  await repo.setMembers(db, theme.id, members.map((m) => m.member));
}

async function view(ctx: ThemesContext, db: ThemesDb, theme: ThemeRow): Promise<ThemeView> {
  const members = await membersOf(ctx, db, theme);
  const explicit = await repo.lotInfos(db, ctx.config.lateThresholdMinutes, theme.lotIds);
  return {
    code: theme.code, name: theme.name, kind: theme.kind, districtCode: theme.districtCode,
    lotCodes: explicit.map((l) => l.code), points: theme.points, categories: theme.categories, districtCodes: theme.districtCodes,
    eventFrom: theme.eventFrom, eventTo: theme.eventTo, frozen: theme.frozen, published: theme.published,
    alert: { threshold: theme.alertThreshold, minutes: theme.alertMinutes, enabled: theme.alertEnabled },
    members: [...members].sort((a, b) => a.lot.code.localeCompare(b.lot.code)).map(({ member, lot }) => ({
      code: lot.code, name: lot.name, districtCode: lot.districtCode, category: lot.category, totalSpaces: lot.totalSpaces, lng: lot.lng, lat: lot.lat, via: member.via,
    })),
    memberCount: members.length,
    totalSpaces: members.reduce((s, m) => s + Math.max(0, m.lot.totalSpaces), 0),
    createdAt: theme.createdAt.toISOString(), createdBy: theme.createdBy, updatedAt: theme.updatedAt.toISOString(), updatedBy: theme.updatedBy,
  };
}

/** A theme visible to the actor, or 404. */
export async function existingTheme(db: ThemesDb, actor: Actor, code: string): Promise<ThemeRow> {
  const [t] = await repo.themes(db, districtScope(actor), code);
  if (!t) throw notFound(`专题 ${code}`);
  return t;
}

/** Checks and completes an input over the theme it changes (none: a new theme). */
async function checked(db: ThemesDb, actor: Actor, input: ThemeInput, before?: ThemeRow): Promise<ThemeWrite & { lotIds: number[] }> {
  const name = (input.name ?? before?.name ?? '').trim();
  if (!name) throw new AppError(400, 'INVALID_NAME', '专题名称不能为空 / name is required');
  const kind = (input.kind ?? before?.kind) as ThemeKind | undefined;
  if (!kind || !THEME_KINDS.includes(kind)) throw new AppError(400, 'INVALID_KIND', `专题类型须为 ${THEME_KINDS.join('、')} / kind must be one of ${THEME_KINDS.join(', ')}`);

  let lotIds = before?.lotIds ?? [];
  if (input.lotCodes !== undefined) {
    const unique = [...new Set(input.lotCodes.map((c) => c.trim()))];
    const lots = await repo.lotsByCodes(db, unique);
    const byCode = new Map(lots.map((l) => [l.code, l]));
    const unknown = unique.filter((c) => !byCode.has(c));
    if (unknown.length) throw new AppError(400, 'UNKNOWN_LOT', `未知停车场 / unknown lots: ${unknown.join(', ')}`, { lotCodes: unknown });
    for (const l of lots) assertDistrictInScope(actor, l.districtCode);
    lotIds = unique.map((c) => byCode.get(c)!.id);
  }

  const points = input.points ?? before?.points ?? [];
  for (const p of points) {
    if (!Number.isFinite(p.lng) || !Number.isFinite(p.lat) || p.lng < -180 || p.lng > 180 || p.lat < -90 || p.lat > 90) {
      throw new AppError(400, 'INVALID_LOCATION', '经纬度无效 / lng must be within ±180 and lat within ±90');
    }
    if (!Number.isFinite(p.radiusM) || p.radiusM <= 0 || p.radiusM > MAX_POINT_RADIUS_M) {
      throw new AppError(400, 'INVALID_RADIUS', `半径须大于 0 且不超过 ${MAX_POINT_RADIUS_M} 米 / radiusM must be more than 0 and at most ${MAX_POINT_RADIUS_M}`);
    }
  }

  const categories = [...new Set(input.categories ?? before?.categories ?? [])];
  const badCategory = categories.filter((c) => !(LOT_CATEGORIES as readonly string[]).includes(c));
  if (badCategory.length) throw new AppError(400, 'INVALID_CATEGORY', `未知类别 / unknown categories: ${badCategory.join(', ')}`);
  const districtCodes = [...new Set(input.districtCodes ?? before?.districtCodes ?? [])];
  const known = new Set(await repo.existingDistricts(db, districtCodes));
  const unknownDistricts = districtCodes.filter((d) => !known.has(d));
  if (unknownDistricts.length) throw new AppError(400, 'UNKNOWN_DISTRICT', `未知县市区 / unknown districts: ${unknownDistricts.join(', ')}`);
  for (const d of districtCodes) assertDistrictInScope(actor, d);

  const eventFrom = input.eventFrom !== undefined ? input.eventFrom : (before?.eventFrom ?? null);
  const eventTo = input.eventTo !== undefined ? input.eventTo : (before?.eventTo ?? null);
  for (const d of [eventFrom, eventTo]) if (d !== null && !validDay(d)) throw new AppError(400, 'INVALID_DATE', `日期须为 YYYY-MM-DD / dates are YYYY-MM-DD: ${d}`);
  if (eventFrom !== null && eventTo !== null && eventTo < eventFrom) throw new AppError(400, 'INVALID_RANGE', '活动结束日期早于开始日期 / eventTo is before eventFrom');

  const threshold = input.alert?.threshold ?? before?.alertThreshold ?? 0.9;
  const minutes = input.alert?.minutes ?? before?.alertMinutes ?? 30;
  if (!(threshold > 0 && threshold <= 1)) throw new AppError(400, 'INVALID_ALERT', '告警占用率阈值须在 (0, 1] / alert.threshold must be in (0, 1]');
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) throw new AppError(400, 'INVALID_ALERT', '告警持续分钟须为 1–1440 的整数 / alert.minutes must be an integer 1–1440');

  return {
    name, kind, points: points.map((p) => ({ lng: p.lng, lat: p.lat, radiusM: p.radiusM })), categories, districtCodes, eventFrom, eventTo,
    frozen: input.frozen ?? before?.frozen ?? false,
    alertThreshold: threshold, alertMinutes: minutes, alertEnabled: input.alert?.enabled ?? before?.alertEnabled ?? true,
    published: input.published ?? before?.published ?? false,
    lotIds,
  };
}

const summary = (v: ThemeView) => ({ name: v.name, kind: v.kind, lotCodes: v.lotCodes, points: v.points, categories: v.categories, districtCodes: v.districtCodes, frozen: v.frozen, published: v.published, memberCount: v.memberCount, alert: v.alert });

export async function createTheme(ctx: ThemesContext, actor: Actor, input: ThemeInput & { code: string }): Promise<ThemeView> {
  // GET /api/v1/themes/holidays is a route of its own (docs/市域专题接口.md 2.3).
  if (input.code.toLowerCase() === 'holidays') throw new AppError(400, 'INVALID_CODE', '专题编码 holidays 为保留字 / the theme code holidays is reserved');
  return ctx.db.transaction().execute(async (trx) => {
    if ((await repo.themes(trx, null, input.code)).length) throw new AppError(409, 'THEME_EXISTS', `专题 ${input.code} 已存在 / theme ${input.code} exists`);
    const w = await checked(trx, actor, input);
    // A frozen new theme freezes the membership it is created with.
    const id = await repo.insertTheme(trx, { ...w, frozen: false, code: input.code, districtCode: districtScope(actor), at: ctx.clock.now(), by: actor.username });
    await repo.setThemeLots(trx, id, w.lotIds);
    let [t] = await repo.themes(trx, null, input.code);
    await refreshMembers(ctx, trx, t!);
    if (w.frozen) {
      await repo.updateTheme(trx, id, { ...w, at: ctx.clock.now(), by: actor.username });
      [t] = await repo.themes(trx, null, input.code);
    }
    const v = await view(ctx, trx, t!);
    await audit(ctx, trx, actor, { action: 'themes.create', targetType: 'theme', targetId: input.code, detail: { after: summary(v) } });
    return v;
  });
}

export async function listThemes(ctx: ThemesContext, actor: Actor): Promise<{ items: ThemeView[] }> {
  const rows = await repo.themes(ctx.db, districtScope(actor));
  const items = [];
  for (const t of rows) items.push(await view(ctx, ctx.db, t));
  return { items };
}

export async function getTheme(ctx: ThemesContext, actor: Actor, code: string): Promise<ThemeView> {
  return view(ctx, ctx.db, await existingTheme(ctx.db, actor, code));
}

export async function updateTheme(ctx: ThemesContext, actor: Actor, code: string, input: ThemeInput): Promise<ThemeView> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await existingTheme(trx, actor, code);
    const beforeView = await view(ctx, trx, before);
    const w = await checked(trx, actor, input, before);
    const now = ctx.clock.now();
    // Freezing keeps the membership as it is now (with the new rules); thawing recomputes it.
    await repo.updateTheme(trx, before.id, { ...w, frozen: false, at: now, by: actor.username });
    await repo.setThemeLots(trx, before.id, w.lotIds);
    let [t] = await repo.themes(trx, null, code);
    if (!(before.frozen && w.frozen && input.lotCodes === undefined && input.points === undefined && input.categories === undefined && input.districtCodes === undefined)) {
      await refreshMembers(ctx, trx, t!);
    }
    if (w.frozen) {
      await repo.updateTheme(trx, before.id, { ...w, at: now, by: actor.username });
      [t] = await repo.themes(trx, null, code);
    }
    const after = await view(ctx, trx, t!);
    await audit(ctx, trx, actor, { action: 'themes.update', targetType: 'theme', targetId: code, detail: { before: summary(beforeView), after: summary(after) } });
    return after;
  });
}

export async function deleteTheme(ctx: ThemesContext, actor: Actor, code: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await existingTheme(trx, actor, code);
    await repo.deleteTheme(trx, before.id);
    await audit(ctx, trx, actor, { action: 'themes.delete', targetType: 'theme', targetId: code, detail: { before: { name: before.name, kind: before.kind } } });
  });
}
