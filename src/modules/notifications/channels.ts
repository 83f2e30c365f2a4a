import { sql, type Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { checkOutboundHost, checkOutboundUrl, outboundAllow } from '../../platform/outbound.js';
import { assertDistrictInScope, districtScope } from '../../platform/scope.js';
import { assertDistrictExists } from '../registry/index.js';
import {
  checkChannelFields, checkSettings, issuesError, maskUrl, mergeSettings, webhookTarget,
  type ChannelPatch, type NewChannel,
} from './channel-input.js';
import { renderNotice } from './render.js';
import { sendToChannel, type OpenChannel, type SendResult } from './senders.js';
import type { ChannelSecrets, ChannelType, NoticeLanguage, NotificationChannelsTable, Severity } from './tables.js';
import type { NotificationsContext, NotificationsDb } from './repo.js';

/*
 * External channels (通知渠道), configured by operations. Their secrets (SMTP password,
 * webhook address with its key, DingTalk signing secret) are sealed at rest, never returned
 * in full (the address is masked, the others reported as set or not) and never in audit rows.
 */

export interface ChannelView {
  id: number;
  name: string;
  type: ChannelType;
  enabled: boolean;
  minSeverity: Severity;
  kinds: string[];
  districtCode: string | null;
  language: NoticeLanguage;
  settings: {
    host?: string;
    port?: number;
    secure?: boolean;
    user?: string | null;
    from?: string;
    to?: string[];
    passwordSet?: boolean;
    /** Masked: the key or token is hidden. */
    webhookUrl?: string | null;
    secretSet?: boolean;
  };
  stats: { pending: number; sent7d: number; failed7d: number; lastSentAt: string | null; lastError: string | null };
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

type ChannelRow = Selectable<NotificationChannelsTable>;

export function openSecrets(ctx: NotificationsContext, row: Pick<ChannelRow, 'secrets_sealed'>): ChannelSecrets {
  return JSON.parse(ctx.secrets.open(row.secrets_sealed)) as ChannelSecrets;
}

export function openChannel(ctx: NotificationsContext, row: Pick<ChannelRow, 'type' | 'settings' | 'secrets_sealed'>): OpenChannel {
  return { type: row.type, settings: row.settings, secrets: openSecrets(ctx, row) };
}

function scoped(db: NotificationsDb, actor: Actor) {
  const scope = districtScope(actor);
  return db.selectFrom('notification_channels').$if(scope !== null, (q) => q.where('district_code', '=', scope!));
}

async function statsOf(db: NotificationsDb, ids: number[], since: Date): Promise<Map<number, ChannelView['stats']>> {
  const out = new Map<number, ChannelView['stats']>();
  if (!ids.length) return out;
  const rows = await db
    .selectFrom('notification_deliveries as d')
    .where('d.channel_id', 'in', ids)
    .select((eb) => [
      'd.channel_id',
      sql<number>`count(*) filter (where d.status = 'pending')::int`.as('pending'),
      sql<number>`count(*) filter (where d.status = 'sent' and d.created_at >= ${since})::int`.as('sent7d'),
      sql<number>`count(*) filter (where d.status = 'failed' and d.created_at >= ${since})::int`.as('failed7d'),
      eb.fn.max('d.sent_at').as('last_sent_at'),
      sql<string | null>`(array_agg(d.last_error order by d.last_attempt_at desc) filter (where d.last_error is not null and d.status <> 'sent'))[1]`.as('last_error'),
    ])
    .groupBy('d.channel_id')
    .execute();
  for (const r of rows) {
    out.set(r.channel_id, {
      pending: Number(r.pending),
      sent7d: Number(r.sent7d),
      failed7d: Number(r.failed7d),
      lastSentAt: r.last_sent_at ? new Date(r.last_sent_at).toISOString() : null,
      lastError: r.last_error,
    });
  }
  return out;
}

function channelView(ctx: NotificationsContext, row: ChannelRow, stats: ChannelView['stats'] | undefined): ChannelView {
  const secrets = openSecrets(ctx, row);
  const s = row.settings;
  const settings: ChannelView['settings'] =
    row.type === 'email'
      ? { host: s.host, port: s.port, secure: s.secure, user: s.user ?? null, from: s.from, to: s.to ?? [], passwordSet: !!secrets.password }
      : row.type === 'wecom'
        ? { webhookUrl: maskUrl(secrets.webhookUrl) }
        : { webhookUrl: maskUrl(secrets.webhookUrl), secretSet: !!secrets.secret };
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    enabled: row.enabled,
    minSeverity: row.min_severity,
    kinds: row.kinds,
    districtCode: row.district_code,
    language: row.language,
    settings,
    stats: stats ?? { pending: 0, sent7d: 0, failed7d: 0, lastSentAt: null, lastError: null },
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** What an audit row may say about a channel: no secrets, not even masked; the webhook's host and path only. */
function auditView(ctx: NotificationsContext, row: ChannelRow): Record<string, unknown> {
  const secrets = openSecrets(ctx, row);
  const { passwordSet, secretSet, webhookUrl: _masked, ...shown } = channelView(ctx, row, undefined).settings;
  return {
    name: row.name,
    type: row.type,
    enabled: row.enabled,
    minSeverity: row.min_severity,
    kinds: row.kinds,
    districtCode: row.district_code,
    language: row.language,
    settings: { ...shown, ...(row.type === 'email' ? { passwordSet } : { webhookTarget: webhookTarget(secrets.webhookUrl) }), ...(row.type === 'dingtalk' ? { secretSet } : {}) },
  };
}

export async function listChannels(ctx: NotificationsContext, actor: Actor): Promise<ChannelView[]> {
  const rows = await scoped(ctx.db, actor).selectAll().orderBy('id').execute();
  const stats = await statsOf(ctx.db, rows.map((r) => r.id), sevenDaysAgo(ctx));
  return rows.map((r) => channelView(ctx, r, stats.get(r.id)));
}

async function findRow(db: NotificationsDb, actor: Actor, id: number): Promise<ChannelRow> {
  const row = await scoped(db, actor).selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`通知渠道 ${id}`);
  return row;
}

export async function getChannel(ctx: NotificationsContext, actor: Actor, id: number): Promise<ChannelView> {
  const row = await findRow(ctx.db, actor, id);
  return channelView(ctx, row, (await statsOf(ctx.db, [id], sevenDaysAgo(ctx))).get(id));
}

const sevenDaysAgo = (ctx: NotificationsContext) => new Date(ctx.clock.now().getTime() - 7 * 86_400_000);

async function checkDistrict(db: NotificationsDb, actor: Actor, districtCode: string | null): Promise<void> {
  if (districtCode) {
    assertDistrictInScope(actor, districtCode);
    await assertDistrictExists(db, districtCode);
  } else if (districtScope(actor) !== null) {
    throw new AppError(403, 'DISTRICT_FORBIDDEN', '县市区用户只能配置本县市区的渠道 / district users configure channels of their own district only');
  }
}

/** Where a channel sends to: its SMTP server, or its webhook's host. */
function channelTarget(type: ChannelType, settings: { host?: string }, secrets: ChannelSecrets): string | null {
  return (type === 'email' ? settings.host : secrets.webhookUrl) ?? null;
}

/**
 * 400 OUTBOUND_TARGET_FORBIDDEN when the channel would send to a loopback, link-local or private
 * address (the host or what it resolves to) that ZHIBO_OUTBOUND_ALLOW does not list.
 */
async function checkChannelTarget(ctx: NotificationsContext, type: ChannelType, settings: { host?: string }, secrets: ChannelSecrets): Promise<void> {
  const allow = outboundAllow(ctx.config.outboundAllow);
  if (type === 'email') {
    if (settings.host) await checkOutboundHost(settings.host, allow);
  } else if (secrets.webhookUrl) {
    await checkOutboundUrl(secrets.webhookUrl, allow);
  }
}

async function assertNameFree(db: NotificationsDb, name: string, exceptId: number | null): Promise<void> {
  const clash = await db.selectFrom('notification_channels').select('id').where('name', '=', name).$if(exceptId !== null, (q) => q.where('id', '<>', exceptId!)).executeTakeFirst();
  if (clash) throw conflict('DUPLICATE', `渠道名称已存在 / a channel named ${name} already exists`);
}

export async function createChannel(ctx: NotificationsContext, actor: Actor, input: NewChannel): Promise<ChannelView> {
  const issues = checkChannelFields(input, 'create');
  if (issues.length) throw issuesError(issues);
  const { settings, secrets } = mergeSettings(input.type, { settings: {}, secrets: {} }, input.settings);
  const settingIssues = checkSettings(input.type, settings, secrets);
  if (settingIssues.length) throw issuesError(settingIssues);
  await checkChannelTarget(ctx, input.type, settings, secrets);
  const districtCode = input.districtCode || districtScope(actor);
  return ctx.db.transaction().execute(async (trx) => {
    await checkDistrict(trx, actor, districtCode);
    await assertNameFree(trx, input.name.trim(), null);
    const now = ctx.clock.now();
    const row = await trx
      .insertInto('notification_channels')
      .values({
        name: input.name.trim(),
        type: input.type,
        enabled: input.enabled ?? true,
        min_severity: input.minSeverity ?? 'warning',
        kinds: input.kinds ?? [],
        district_code: districtCode,
        language: input.language ?? 'zh-CN',
        settings: JSON.stringify(settings),
        secrets_sealed: ctx.secrets.seal(JSON.stringify(secrets)),
        created_by: actor.username,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'notification_channel.create', targetType: 'notification_channel', targetId: row.id, detail: { after: auditView(ctx, row) } });
    return channelView(ctx, row, undefined);
  });
}

export async function updateChannel(ctx: NotificationsContext, actor: Actor, id: number, input: ChannelPatch): Promise<ChannelView> {
  // An empty district (what a cleared form field sends) means city-wide.
  const patch = { ...input, districtCode: input.districtCode === undefined ? undefined : input.districtCode || null };
  const issues = checkChannelFields(patch, 'patch');
  if (issues.length) throw issuesError(issues);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findRow(trx, actor, id);
    const stored = { settings: before.settings, secrets: openSecrets(ctx, before) };
    const { settings, secrets } = mergeSettings(before.type, stored, patch.settings);
    const settingIssues = checkSettings(before.type, settings, secrets);
    if (settingIssues.length) throw issuesError(settingIssues);
    // A new target is checked; a channel kept as it was can still be renamed or disabled.
    const target = channelTarget(before.type, settings, secrets);
    if (target !== channelTarget(before.type, stored.settings, stored.secrets)) await checkChannelTarget(ctx, before.type, settings, secrets);
    if (patch.districtCode !== undefined) await checkDistrict(trx, actor, patch.districtCode);
    if (patch.name !== undefined) await assertNameFree(trx, patch.name.trim(), id);
    const changedSecrets = (Object.keys({ ...stored.secrets, ...secrets }) as (keyof ChannelSecrets)[]).filter((k) => (stored.secrets[k] ?? null) !== (secrets[k] ?? null));
    const after = await trx
      .updateTable('notification_channels')
      .set({
        name: patch.name?.trim(),
        enabled: patch.enabled,
        min_severity: patch.minSeverity,
        kinds: patch.kinds,
        district_code: patch.districtCode,
        language: patch.language,
        settings: JSON.stringify(settings),
        ...(changedSecrets.length ? { secrets_sealed: ctx.secrets.seal(JSON.stringify(secrets)) } : {}),
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, {
      action: 'notification_channel.update', targetType: 'notification_channel', targetId: id,
      // Which secrets changed, by name only.
      detail: { before: auditView(ctx, before), after: auditView(ctx, after), ...(changedSecrets.length ? { secretsChanged: changedSecrets } : {}) },
    });
    return channelView(ctx, after, (await statsOf(trx, [id], sevenDaysAgo(ctx))).get(id));
  });
}

/** Deletes a channel and its delivery history; disabling keeps both. */
export async function deleteChannel(ctx: NotificationsContext, actor: Actor, id: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await findRow(trx, actor, id);
    await trx.deleteFrom('notification_channels').where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'notification_channel.delete', targetType: 'notification_channel', targetId: id, detail: { before: auditView(ctx, before) } });
  });
}

/**
 * Sends a test message now (even to a disabled channel, so it can be checked before use) and
 * reports the channel's answer: its status line, never its body. A target the outbound guard
 * refuses is 400 OUTBOUND_TARGET_FORBIDDEN, and nothing is sent.
 */
export async function testChannel(ctx: NotificationsContext, actor: Actor, id: number, opts: { timeoutMs?: number } = {}): Promise<SendResult> {
  const row = await findRow(ctx.db, actor, id);
  const channel = openChannel(ctx, row);
  await checkChannelTarget(ctx, row.type, row.settings, channel.secrets);
  const now = ctx.clock.now();
  const message = renderNotice(
    {
      kind: 'notifications.test',
      severity: 'info',
      title: '智泊通知渠道测试 / Zhibo channel test',
      body: `这是一条测试消息，由 ${actor.username} 在控制台发送，用于确认渠道「${row.name}」配置正确。\nThis is a test message sent by ${actor.username} to check channel "${row.name}".`,
      link: '/system/channels',
      districtCode: row.district_code,
      createdAt: now,
    },
    ctx.config.publicUrl,
  );
  const result = await sendToChannel(channel, message, { timeoutMs: opts.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS, now, allow: outboundAllow(ctx.config.outboundAllow) });
  await audit(ctx, ctx.db, actor, {
    action: 'notification_channel.test', targetType: 'notification_channel', targetId: id,
    outcome: result.ok ? 'ok' : 'failed', detail: result.ok ? {} : { error: result.error ?? null },
  });
  return result;
}
