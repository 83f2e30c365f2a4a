import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { checkOutboundUrl, outboundAllow } from '../../platform/outbound.js';
import type { TicketChannelClientsTable } from './tables.js';
import { TICKET_CHANNELS, type TicketChannel } from './vocab.js';
import type { TicketsContext } from './repo.js';

/*
 * Inbound channel clients (工单接入方): the 12345 platform, the WeChat and Alipay mini-program
 * back ends. Each pushes tickets of one channel through the signed inbound API and receives
 * status callbacks at its callback URL. Like data-source secrets, the signing secret is sealed
 * at rest (HMAC needs it back), shown once when made or rotated, and kept out of views and audit.
 */

export interface ClientView {
  code: string;
  name: string;
  channel: TicketChannel;
  callbackUrl: string | null;
  enabled: boolean;
  secretRotatedAt: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

type Row = Selectable<TicketChannelClientsTable>;

function view(r: Row): ClientView {
  return {
    code: r.code, name: r.name, channel: r.channel, callbackUrl: r.callback_url, enabled: r.enabled,
    secretRotatedAt: r.secret_rotated_at.toISOString(), createdBy: r.created_by, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
}

const newSecret = () => randomBytes(32).toString('base64url');

function checkUrl(url: string | null | undefined): string | null | undefined {
  if (url === undefined) return undefined;
  if (url === null || url.trim() === '') return null;
  const value = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw badRequest('INVALID_URL', `回调地址无效 / invalid callback URL`);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || value.length > 500) throw badRequest('INVALID_URL', '回调地址须为 http(s) 地址，最长 500 字符 / callback URL must be http(s), at most 500 characters');
  return value;
}

/** 400 OUTBOUND_TARGET_FORBIDDEN for a callback URL on a loopback, link-local or private address (src/platform/outbound.ts). */
async function checkCallbackTarget(ctx: TicketsContext, url: string | null | undefined): Promise<void> {
  if (url) await checkOutboundUrl(url, outboundAllow(ctx.config.outboundAllow));
}

export async function listClients(ctx: TicketsContext): Promise<ClientView[]> {
  return (await ctx.db.selectFrom('ticket_channel_clients').selectAll().orderBy('code').execute()).map(view);
}

export async function createClient(
  ctx: TicketsContext,
  actor: Actor,
  input: { code: string; name: string; channel: string; callbackUrl?: string | null; enabled?: boolean },
): Promise<ClientView & { secret: string }> {
  if (!/^[A-Za-z0-9_.-]{2,64}$/.test(input.code)) throw badRequest('INVALID_CODE', '编码须为 2–64 位字母、数字或 _.- / code: 2–64 of letters, digits, _.-');
  if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 200) throw badRequest('INVALID_NAME', '名称须为 1–200 个字符 / name: 1–200 characters');
  if (!(TICKET_CHANNELS as readonly string[]).includes(input.channel)) throw badRequest('INVALID_CHANNEL', `channel 应为 ${TICKET_CHANNELS.join('、')} 之一 / channel must be one of ${TICKET_CHANNELS.join(', ')}`);
  const callbackUrl = checkUrl(input.callbackUrl) ?? null;
  await checkCallbackTarget(ctx, callbackUrl);
  const secret = newSecret();
  return ctx.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('ticket_channel_clients').select('code').where('code', '=', input.code).executeTakeFirst();
    if (exists) throw conflict('DUPLICATE', `接入方编码已存在 / client ${input.code} already exists`);
    const now = ctx.clock.now();
    const row = await trx.insertInto('ticket_channel_clients').values({
      code: input.code, name: input.name.trim(), channel: input.channel as TicketChannel, secret_sealed: ctx.secrets.seal(secret), secret_rotated_at: now,
      callback_url: callbackUrl, enabled: input.enabled ?? true, created_by: actor.username, created_at: now, updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'ticket_client.create', targetType: 'ticket_client', targetId: input.code, detail: { after: view(row) } });
    return { ...view(row), secret };
  });
}

export async function updateClient(ctx: TicketsContext, actor: Actor, code: string, patch: { name?: string; callbackUrl?: string | null; enabled?: boolean }): Promise<ClientView> {
  if (patch.name !== undefined && (!patch.name.trim() || patch.name.length > 200)) throw badRequest('INVALID_NAME', '名称须为 1–200 个字符 / name: 1–200 characters');
  const callbackUrl = checkUrl(patch.callbackUrl);
  await checkCallbackTarget(ctx, callbackUrl);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('ticket_channel_clients').selectAll().where('code', '=', code).forUpdate().executeTakeFirst();
    if (!before) throw notFound(`接入方 ${code}`);
    const after = await trx.updateTable('ticket_channel_clients')
      .set({ name: patch.name?.trim(), callback_url: callbackUrl, enabled: patch.enabled, updated_at: ctx.clock.now() })
      .where('code', '=', code).returningAll().executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'ticket_client.update', targetType: 'ticket_client', targetId: code, detail: { before: view(before), after: view(after) } });
    return view(after);
  });
}

export async function rotateClientSecret(ctx: TicketsContext, actor: Actor, code: string): Promise<ClientView & { secret: string }> {
  const secret = newSecret();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('ticket_channel_clients')
      .set({ secret_sealed: ctx.secrets.seal(secret), secret_rotated_at: ctx.clock.now(), updated_at: ctx.clock.now() })
      .where('code', '=', code).returningAll().executeTakeFirst();
    if (!row) throw notFound(`接入方 ${code}`);
    await audit(ctx, trx, actor, { action: 'ticket_client.rotate_secret', targetType: 'ticket_client', targetId: code });
    return { ...view(row), secret };
  });
}

/** For signature checks: the client with its secret opened, or null when unknown. */
export async function clientCredentials(ctx: TicketsContext, code: string): Promise<{ code: string; channel: TicketChannel; enabled: boolean; secret: string } | null> {
  const row = await ctx.db.selectFrom('ticket_channel_clients').select(['code', 'channel', 'enabled', 'secret_sealed']).where('code', '=', code).executeTakeFirst();
  if (!row) return null;
  return { code: row.code, channel: row.channel, enabled: row.enabled, secret: ctx.secrets.open(row.secret_sealed) };
}
