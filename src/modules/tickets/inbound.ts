import type { IncomingHttpHeaders } from 'node:http';
import { systemActor } from '../../platform/auth/permissions.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { signatureMatches } from '../../platform/signing.js';
import { clientCredentials } from './clients.js';
import { recordCitizenAnswer } from './transitions.js';
import { createTicket } from './tickets.js';
import type { TicketChannel } from './vocab.js';
import type { TicketsContext } from './repo.js';

/*
 * The signed inbound API for the 12345 platform and the mini-programs (docs/接入规范.md §工单).
 * Signed like the ingest API, with the client code in its own header:
 *   X-Zhibo-Client: <client code>, X-Zhibo-Timestamp: <unix seconds, ±300 s>,
 *   X-Zhibo-Signature: hex HMAC-SHA256(secret, timestamp + "\n" + raw body).
 * Requests that fail authentication are refused before their body is read; a signed request
 * that is refused (bad JSON, a bad field, an unknown lot …) is kept in ticket_inbound_rejects
 * with the reason, and answered 4xx.
 */

export const CLIENT_HEADERS = { client: 'x-zhibo-client', timestamp: 'x-zhibo-timestamp', signature: 'x-zhibo-signature' } as const;
export const REPLAY_WINDOW_S = 300;
export const INBOUND_BODY_LIMIT = 256 * 1024;

const header = (h: IncomingHttpHeaders, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export interface InboundClient {
  code: string;
  channel: TicketChannel;
}

export async function authenticateClient(ctx: TicketsContext, headers: IncomingHttpHeaders, rawBody: string): Promise<InboundClient> {
  const code = header(headers, CLIENT_HEADERS.client);
  const timestamp = header(headers, CLIENT_HEADERS.timestamp);
  const signature = header(headers, CLIENT_HEADERS.signature);
  if (!code) throw new AppError(401, 'UNKNOWN_CLIENT', '缺少 X-Zhibo-Client / missing X-Zhibo-Client');
  if (!timestamp || !signature) throw new AppError(401, 'BAD_SIGNATURE', '缺少 X-Zhibo-Timestamp 或 X-Zhibo-Signature / missing signature headers');
  if (!/^\d{1,12}$/.test(timestamp)) throw new AppError(401, 'BAD_SIGNATURE', 'X-Zhibo-Timestamp 应为 Unix 秒 / must be unix seconds');
  const client = /^[A-Za-z0-9_.-]{2,64}$/.test(code) ? await clientCredentials(ctx, code) : null;
  if (!client) throw new AppError(401, 'UNKNOWN_CLIENT', `未知接入方 / unknown client ${code.slice(0, 64)}`);
  if (!client.enabled) throw new AppError(403, 'CLIENT_DISABLED', `接入方已停用 / client ${client.code} is disabled`);
  const skew = Math.abs(ctx.clock.now().getTime() / 1000 - Number(timestamp));
  if (skew > REPLAY_WINDOW_S) {
    throw new AppError(401, 'SIGNATURE_EXPIRED', `时间戳与服务器相差超过 ${REPLAY_WINDOW_S} 秒 / timestamp more than ${REPLAY_WINDOW_S} s from the server clock`);
  }
  if (!signatureMatches(client.secret, timestamp, rawBody, signature)) throw new AppError(401, 'BAD_SIGNATURE', '签名错误 / signature does not match');
  return { code: client.code, channel: client.channel };
}

/** Runs `fn`; a 4xx it raises is kept with the raw body before it is answered. */
async function keepingRejects<T>(ctx: TicketsContext, client: InboundClient, raw: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && err.status >= 400 && err.status < 500) {
      await ctx.db.insertInto('ticket_inbound_rejects').values({
        client_code: client.code, received_at: ctx.clock.now(), raw_body: Buffer.from(raw, 'utf8'), code: err.code, message: err.message.slice(0, 1000),
      }).execute();
    }
    throw err;
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('INVALID_JSON', '请求体不是合法 JSON / body is not valid JSON');
  }
}

export interface InboundReply {
  id: number;
  ticketNo: string;
  externalNo: string | null;
  channel: string;
  state: string;
  duplicate: boolean;
  responseDueAt: string | null;
  resolveDueAt: string | null;
}

/** A ticket from a channel client; the same externalNo again returns the same ticket (duplicate=true). */
export async function receiveTicket(ctx: TicketsContext, client: InboundClient, raw: string): Promise<InboundReply> {
  return keepingRejects(ctx, client, raw, async () => {
    const body = parseJson(raw);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('INVALID_BODY', '请求体应为 JSON 对象 / body must be a JSON object');
    const externalNo = (body as { externalNo?: unknown }).externalNo;
    if (typeof externalNo !== 'string' || !externalNo.trim()) throw badRequest('EXTERNAL_NO_REQUIRED', '须提供外部单号 externalNo / externalNo is required');
    const { created, ticket } = await createTicket(ctx, systemActor(`client:${client.code}`), body, { clientCode: client.code, channel: client.channel });
    return {
      id: ticket.id, ticketNo: ticket.no, externalNo: ticket.externalNo, channel: ticket.channel, state: ticket.state, duplicate: !created,
      responseDueAt: ticket.responseDueAt, resolveDueAt: ticket.resolveDueAt,
    };
  });
}

/** The citizen's answer (回访) collected by the channel: accepted → confirmed, else reopened. */
export async function receiveCitizenAnswer(ctx: TicketsContext, client: InboundClient, raw: string): Promise<{ ticketNo: string; externalNo: string | null; state: string }> {
  return keepingRejects(ctx, client, raw, async () => {
    const body = parseJson(raw) as { externalNo?: unknown; accepted?: unknown; note?: unknown } | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('INVALID_BODY', '请求体应为 JSON 对象 / body must be a JSON object');
    if (typeof body.externalNo !== 'string' || !body.externalNo.trim()) throw badRequest('EXTERNAL_NO_REQUIRED', '须提供外部单号 externalNo / externalNo is required');
    if (typeof body.accepted !== 'boolean') throw badRequest('INVALID_FIELD', 'accepted 应为 true 或 false / accepted must be true or false');
    if (body.note !== undefined && body.note !== null && (typeof body.note !== 'string' || body.note.length > 2000)) throw badRequest('INVALID_FIELD', 'note 应为不超过 2000 字的字符串 / note: a string of at most 2000 characters');
    const row = await ctx.db.selectFrom('tickets').select('id').where('channel', '=', client.channel).where('external_no', '=', body.externalNo.trim()).executeTakeFirst();
    if (!row) throw notFound(`外部单号 ${body.externalNo.slice(0, 64)}`);
    const actor = systemActor(`client:${client.code}`);
    const t = await recordCitizenAnswer(ctx, actor, Number(row.id), { accepted: body.accepted, note: typeof body.note === 'string' ? body.note : null });
    return { ticketNo: t.no, externalNo: t.externalNo, state: t.state };
  });
}

export interface RejectView {
  id: number;
  clientCode: string;
  receivedAt: string;
  code: string;
  message: string;
  bodyBytes: number;
}

/** Refused inbound requests, newest first. Bodies hold personal data: not listed. */
export async function listRejects(ctx: TicketsContext, q: { clientCode?: string; limit?: number }): Promise<RejectView[]> {
  const rows = await ctx.db.selectFrom('ticket_inbound_rejects')
    .select(['id', 'client_code', 'received_at', 'code', 'message'])
    .select((eb) => eb.fn<number>('octet_length', ['raw_body']).as('body_bytes'))
    .$if(!!q.clientCode, (qb) => qb.where('client_code', '=', q.clientCode!))
    .orderBy('id', 'desc').limit(Math.min(q.limit ?? 100, 500)).execute();
  return rows.map((r) => ({ id: Number(r.id), clientCode: r.client_code, receivedAt: r.received_at.toISOString(), code: r.code, message: r.message, bodyBytes: Number(r.body_bytes) }));
}
