import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import type { Severity } from './tables.js';
import type { NotificationsContext, NotificationsDb } from './repo.js';

/*
 * A user's own notices (the bell in the console). Read marks are the user's personal view
 * state, like a mail client's: they are not audited (the notice itself was raised by an
 * audited change of the module that called `notify`).
 */

export interface NotificationView {
  id: number;
  kind: string;
  severity: Severity;
  /** Chinese. */
  title: string;
  body: string;
  /** English, when the module gave it (a console in English shows it). */
  en: { title: string; body: string } | null;
  link: string | null;
  districtCode: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface InboxQuery {
  unread?: boolean;
  limit?: number;
  /** Id of the last item of the previous page: the page continues with older notices. */
  cursor?: string;
}

export interface InboxPage {
  items: NotificationView[];
  nextCursor: string | null;
  unreadCount: number;
}

/** The actor's recipient rows joined to their notices; district users never see another district's. */
function mine(db: NotificationsDb, actor: Actor) {
  const scope = districtScope(actor);
  return db
    .selectFrom('notification_recipients as r')
    .innerJoin('notifications as n', 'n.id', 'r.notification_id')
    .where('r.user_id', '=', actor.userId ?? -1)
    .$if(scope !== null, (q) => q.where((eb) => eb.or([eb('n.district_code', 'is', null), eb('n.district_code', '=', scope!)])));
}

export async function unreadCount(db: NotificationsDb, actor: Actor): Promise<number> {
  const row = await mine(db, actor).where('r.read_at', 'is', null).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listMyNotifications(ctx: NotificationsContext, actor: Actor, query: InboxQuery): Promise<InboxPage> {
  const limit = query.limit ?? 20;
  let before: number | null = null;
  if (query.cursor !== undefined && query.cursor !== '') {
    before = Number(query.cursor);
    if (!Number.isSafeInteger(before) || before < 1) throw badRequest('INVALID_CURSOR', '翻页游标无效 / invalid cursor');
  }
  const rows = await mine(ctx.db, actor)
    .select(['n.id', 'n.kind', 'n.severity', 'n.title', 'n.body', 'n.title_en', 'n.body_en', 'n.link', 'n.district_code', 'n.created_at', 'r.read_at'])
    .$if(query.unread === true, (q) => q.where('r.read_at', 'is', null))
    .$if(before !== null, (q) => q.where('n.id', '<', before!))
    .orderBy('n.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      severity: r.severity,
      title: r.title,
      body: r.body,
      en: r.title_en !== null ? { title: r.title_en, body: r.body_en ?? '' } : null,
      link: r.link,
      districtCode: r.district_code,
      createdAt: r.created_at.toISOString(),
      readAt: r.read_at?.toISOString() ?? null,
    })),
    nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null,
    unreadCount: await unreadCount(ctx.db, actor),
  };
}

/** Marks one of the actor's notices read (again: keeps the first time); 404 when it is not theirs. */
export async function markRead(ctx: NotificationsContext, actor: Actor, id: number): Promise<{ id: number; readAt: string; unreadCount: number }> {
  const row = await mine(ctx.db, actor).where('n.id', '=', id).select('r.read_at').executeTakeFirst();
  if (!row) throw notFound(`通知 ${id}`);
  let readAt = row.read_at;
  if (!readAt) {
    readAt = ctx.clock.now();
    await ctx.db
      .updateTable('notification_recipients')
      .set({ read_at: readAt })
      .where('user_id', '=', actor.userId!)
      .where('notification_id', '=', id)
      .where('read_at', 'is', null)
      .execute();
  }
  return { id, readAt: readAt.toISOString(), unreadCount: await unreadCount(ctx.db, actor) };
}

export async function markAllRead(ctx: NotificationsContext, actor: Actor): Promise<{ marked: number; unreadCount: number }> {
  const ids = mine(ctx.db, actor).where('r.read_at', 'is', null).select('n.id');
  const result = await ctx.db
    .updateTable('notification_recipients')
    .set({ read_at: ctx.clock.now() })
    .where('user_id', '=', actor.userId ?? -1)
    .where('read_at', 'is', null)
    .where('notification_id', 'in', ids)
    .executeTakeFirst();
  return { marked: Number(result.numUpdatedRows), unreadCount: await unreadCount(ctx.db, actor) };
}
