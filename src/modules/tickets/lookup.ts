import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { systemActor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest } from '../../platform/errors.js';
import { attemptsLeft, CODE_TTL_MINUTES, confirmVerdict, maskPhone } from '../../platform/phone-codes.js';
import type { SmsSender } from '../../platform/sms.js';
import { citizenUrl, issueCitizenToken } from './citizen-links.js';
import { recordEvent } from './history.js';
import { CITIZEN_ACTOR, mobilePhone, type ComplaintReceipt } from './public-complaints.js';
import type { TicketsContext } from './repo.js';

/*
 * 凭工单号查询进度 (docs/公众服务接口.md): a citizen who lost the personal link gives the ticket
 * number and the phone of the complaint; a phone code to that phone proves it, and a new link is
 * issued (the old one stops working, as when staff regenerate it). Enumeration-proof: the answer
 * is the same, and as quick, whether or not the number and phone belong to a ticket — a request
 * row is written either way and the code goes out in the background only when they do; a
 * request that matched nothing can never be confirmed.
 */

/** Lookups per phone and per ticket number within an hour (429 beyond); per IP is the route's limit. */
export const LOOKUPS_PER_HOUR = 5;
const TICKET_NO = /^[A-Za-z0-9-]{4,40}$/;

export function lookupText(code: string, minutes: number): string {
  return `【智泊南通】您的验证码为 ${code}，${minutes} 分钟内有效。用于查询您的投诉工单进度，请勿告诉他人。`;
}

export interface LookupStarted {
  lookupId: string;
  expiresAt: string;
  phoneMasked: string;
}

const tooMany = () => new AppError(429, 'RATE_LIMITED', '查询过于频繁，请 1 小时后再试 / too many lookups, retry in an hour', undefined, { 'retry-after': '3600' });

/** Sends a code to `phone` when it is the phone of ticket `ticketNo`; answers alike either way. */
export async function startLookup(ctx: TicketsContext, sms: SmsSender, body: { ticketNo: string; phone: string }, ip: string | null): Promise<LookupStarted> {
  const ticketNo = body.ticketNo.normalize('NFKC').trim().toUpperCase();
  if (!TICKET_NO.test(ticketNo)) throw badRequest('INVALID_TICKET_NO', '工单号格式不正确 / not a ticket number');
  const phone = mobilePhone(body.phone);
  const now = ctx.clock.now();
  const phoneHash = ctx.secrets.mac('citizen-phone', phone);
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const count = (column: 'phone_hash' | 'ticket_no', value: string) => ctx.db.selectFrom('ticket_lookups')
    .select((eb) => eb.fn.countAll<string>().as('n')).where(column, '=', value).where('created_at', '>', hourAgo).executeTakeFirstOrThrow();
  const [byPhone, byNo, ticket] = await Promise.all([
    count('phone_hash', phoneHash),
    count('ticket_no', ticketNo),
    ctx.db.selectFrom('tickets').select('id').where('no', '=', ticketNo).where('citizen_phone', '=', phone).executeTakeFirst(),
  ]);
  if (Number(byPhone.n) >= LOOKUPS_PER_HOUR || Number(byNo.n) >= LOOKUPS_PER_HOUR) throw tooMany();
  const id = randomBytes(18).toString('base64url');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + CODE_TTL_MINUTES * 60_000);
  await ctx.db.insertInto('ticket_lookups').values({
    id, ticket_id: ticket ? Number(ticket.id) : null, ticket_no: ticketNo, phone_hash: phoneHash,
    code_hash: ctx.secrets.mac('ticket-lookup-code', `${id}:${code}`), ip, created_at: now, expires_at: expiresAt,
  }).execute();
  if (ticket) {
    // Not awaited: the answer must not take longer when a code is really sent.
    sms.send({ phone, template: 'verification', params: { code, minutes: CODE_TTL_MINUTES }, text: lookupText(code, CODE_TTL_MINUTES) })
      .catch((err: unknown) => ctx.log.warn({ lookup: id, err: (err as Error).message.slice(0, 200) }, 'SMS gateway refused a ticket lookup code'));
  }
  return { lookupId: id, expiresAt: expiresAt.toISOString(), phoneMasked: maskPhone(phone) };
}

/** The right code (once, in time, within 5 attempts) for a lookup that matched a ticket: a new personal link. */
export async function confirmLookup(ctx: TicketsContext, id: string, code: string, ip: string | null): Promise<ComplaintReceipt> {
  const now = ctx.clock.now();
  const actor = { ...systemActor(CITIZEN_ACTOR), ip };
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const l = await trx.selectFrom('ticket_lookups').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!l) return { verdict: 'unknown' as const };
    const expected = Buffer.from(l.code_hash, 'hex');
    const given = Buffer.from(ctx.secrets.mac('ticket-lookup-code', `${id}:${code}`), 'hex');
    const state = { expiresAt: l.expires_at, attempts: l.attempts, confirmedAt: l.confirmed_at };
    // A lookup that matched no ticket had no code sent: no code is right for it.
    const verdict = confirmVerdict(state, l.ticket_id !== null && timingSafeEqual(expected, given), now);
    if (verdict === 'wrong') {
      await trx.updateTable('ticket_lookups').set({ attempts: l.attempts + 1 }).where('id', '=', id).execute();
      return { verdict, left: attemptsLeft(state, verdict) };
    }
    if (verdict !== 'ok') return { verdict };
    const ticketId = Number(l.ticket_id);
    await trx.updateTable('ticket_lookups').set({ confirmed_at: now, attempts: l.attempts + 1 }).where('id', '=', id).execute();
    const token = await issueCitizenToken(ctx, trx, ticketId, CITIZEN_ACTOR);
    await recordEvent(trx, ticketId, actor, now, { kind: 'citizen', note: '市民凭工单号与手机验证码找回链接（旧链接失效） / the citizen found the ticket again by number and phone code; the old link no longer works' });
    await audit(ctx, trx, actor, { action: 'ticket.citizen_lookup', targetType: 'ticket', targetId: ticketId, detail: { no: l.ticket_no, lookup: id } });
    return { verdict, receipt: { ticketNo: l.ticket_no, statusUrl: citizenUrl(ctx, token), token } };
  });
  switch (outcome.verdict) {
    case 'ok': return outcome.receipt;
    case 'wrong': throw badRequest('CODE_WRONG', `验证码不正确，还可尝试 ${outcome.left} 次 / wrong code, ${outcome.left} attempts left`, { attemptsLeft: outcome.left });
    case 'expired': throw badRequest('CODE_EXPIRED', '验证码已过期，请重新获取 / the code has expired, ask for a new one');
    case 'exhausted': throw new AppError(429, 'CODE_ATTEMPTS_EXHAUSTED', '错误次数过多，请重新获取验证码 / too many wrong codes, ask for a new one', undefined, { 'retry-after': '60' });
    case 'used': throw badRequest('CODE_USED', '验证码已使用，请重新获取 / the code was already used, ask for a new one');
    default: throw new AppError(404, 'LOOKUP_NOT_FOUND', '查询请求不存在，请重新获取验证码 / no such lookup, ask for a new code');
  }
}
