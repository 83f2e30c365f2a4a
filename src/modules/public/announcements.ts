import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { assertDistrictInScope, districtScope } from '../../platform/scope.js';
import { parseBusinessTime, shanghaiDay } from '../../platform/time.js';
import type { PublicContext } from './repo.js';

/*
 * 公告 (docs/公众服务接口.md, “公告”): closures, holiday traffic, new lots. Staff publish them with
 * a start and an optional end; the H5 home and GET /api/v1/public/announcements show those in
 * force. A district user publishes only for the own district; a city-wide one has no district.
 */

export const ANNOUNCEMENT_KINDS = ['notice', 'closure', 'holiday', 'new_lot'] as const;
export type AnnouncementKind = (typeof ANNOUNCEMENT_KINDS)[number];

export interface AnnouncementInput {
  kind: AnnouncementKind;
  title: string;
  body: string;
  districtCode?: string | null;
  startsAt: string;
  endsAt?: string | null;
}

type Row = {
  id: number; kind: AnnouncementKind; title: string; body: string; district_code: string | null;
  starts_at: Date; ends_at: Date | null; updated_at: Date; updated_by: string;
};

function view(r: Row, now: Date) {
  const inForce = r.starts_at.getTime() <= now.getTime() && (r.ends_at === null || r.ends_at.getTime() > now.getTime());
  return {
    id: r.id, kind: r.kind, title: r.title, body: r.body, districtCode: r.district_code,
    startsAt: r.starts_at.toISOString(), endsAt: r.ends_at?.toISOString() ?? null,
    state: inForce ? 'active' as const : r.starts_at.getTime() > now.getTime() ? 'scheduled' as const : 'ended' as const,
    updatedAt: r.updated_at.toISOString(), updatedBy: r.updated_by,
  };
}

function parsed(input: AnnouncementInput) {
  const startsAt = parseBusinessTime(input.startsAt);
  if (!startsAt) throw badRequest('INVALID_TIME', '开始时间格式应为 ISO 8601 / startsAt must be ISO 8601');
  let endsAt: Date | null = null;
  if (input.endsAt !== undefined && input.endsAt !== null && input.endsAt !== '') {
    endsAt = parseBusinessTime(input.endsAt);
    if (!endsAt) throw badRequest('INVALID_TIME', '结束时间格式应为 ISO 8601 / endsAt must be ISO 8601');
    if (endsAt.getTime() <= startsAt.getTime()) throw badRequest('INVALID_RANGE', '结束时间须晚于开始时间 / endsAt must be after startsAt');
  }
  const title = input.title.trim();
  if (!title) throw badRequest('INVALID_TITLE', '标题不能为空 / the title is empty');
  return { kind: input.kind, title, body: input.body.trim(), district_code: input.districtCode || null, starts_at: startsAt, ends_at: endsAt };
}

async function assertDistrict(ctx: PublicContext, actor: Actor, districtCode: string | null): Promise<void> {
  if (districtCode === null) {
    if (districtScope(actor) !== null) throw new AppError(403, 'FORBIDDEN', '县市区用户只能发布本辖区公告 / a district user publishes for the own district only');
    return;
  }
  const d = await ctx.db.selectFrom('districts').select('code').where('code', '=', districtCode).executeTakeFirst();
  if (!d) throw badRequest('UNKNOWN_DISTRICT', `未知县市区 / unknown district ${districtCode}`);
  assertDistrictInScope(actor, districtCode);
}

/** Announcements in force now, city-wide ones and those of `districtCode` (all districts when absent). */
export async function activeAnnouncements(ctx: PublicContext, districtCode?: string) {
  const now = ctx.clock.now();
  const rows = await ctx.db.selectFrom('public_announcements').selectAll()
    .where('starts_at', '<=', now)
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
    .$if(!!districtCode, (q) => q.where((eb) => eb.or([eb('district_code', 'is', null), eb('district_code', '=', districtCode!)])))
    .orderBy('starts_at', 'desc').orderBy('id', 'desc').limit(50).execute();
  return { items: rows.map((r) => {
    const v = view(r, now);
    return { id: v.id, kind: v.kind, title: v.title, body: v.body, districtCode: v.districtCode, startsAt: v.startsAt, endsAt: v.endsAt };
  }) };
}

/** Every announcement the actor may edit, newest first (staff). */
export async function listAnnouncements(ctx: PublicContext, actor: Actor) {
  const scope = districtScope(actor);
  const now = ctx.clock.now();
  const rows = await ctx.db.selectFrom('public_announcements').selectAll()
    .$if(scope !== null, (q) => q.where('district_code', '=', scope!))
    .orderBy('starts_at', 'desc').orderBy('id', 'desc').limit(500).execute();
  return { items: rows.map((r) => view(r, now)) };
}

export async function createAnnouncement(ctx: PublicContext, actor: Actor, input: AnnouncementInput) {
  const values = parsed(input);
  await assertDistrict(ctx, actor, values.district_code);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('public_announcements').values({ ...values, created_at: now, updated_at: now, updated_by: actor.username })
      .returningAll().executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'public.announcement.create', targetType: 'announcement', targetId: row.id, detail: { title: row.title, kind: row.kind, districtCode: row.district_code, startsAt: shanghaiDay(row.starts_at) } });
    return view(row, now);
  });
}

async function ownRow(ctx: PublicContext, actor: Actor, id: number): Promise<Row> {
  const row = await ctx.db.selectFrom('public_announcements').selectAll().where('id', '=', id).executeTakeFirst();
  const scope = districtScope(actor);
  if (!row || (scope !== null && row.district_code !== scope)) throw notFound(`公告 ${id}`);
  return row;
}

export async function updateAnnouncement(ctx: PublicContext, actor: Actor, id: number, input: AnnouncementInput) {
  const before = await ownRow(ctx, actor, id);
  const values = parsed(input);
  await assertDistrict(ctx, actor, values.district_code);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('public_announcements').set({ ...values, updated_at: now, updated_by: actor.username }).where('id', '=', id)
      .returningAll().executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, {
      action: 'public.announcement.update', targetType: 'announcement', targetId: id,
      detail: { before: { title: before.title, startsAt: before.starts_at.toISOString(), endsAt: before.ends_at?.toISOString() ?? null }, after: { title: row.title, startsAt: row.starts_at.toISOString(), endsAt: row.ends_at?.toISOString() ?? null } },
    });
    return view(row, now);
  });
}

export async function deleteAnnouncement(ctx: PublicContext, actor: Actor, id: number): Promise<void> {
  const before = await ownRow(ctx, actor, id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('public_announcements').where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'public.announcement.delete', targetType: 'announcement', targetId: id, detail: { title: before.title } });
  });
}
