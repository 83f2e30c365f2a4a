import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { AppError, badRequest } from '../../platform/errors.js';
import { isValidPlate, maskPlate, normalizePlate } from '../../platform/plates.js';
import { shanghaiDay } from '../../platform/time.js';
import {
  addMinutes, attemptsLeft, CODE_TTL_MINUTES, confirmVerdict, maskPhone, maySend, normalizePhone, RECORD_DAYS, TOKEN_TTL_MINUTES,
} from './citizen-rules.js';
import { settledSessions } from '../arrears/index.js';
import { publicContext, type PublicContext, type PublicDb } from './repo.js';
import type { SmsSender } from '../../platform/sms.js';

/*
 * 我的停车与欠费 (docs/公众服务接口.md): a citizen proves a plate with a phone code and then reads
 * that plate's records of the last 90 days and its open arrears. Enumeration-proof: asking for a
 * code never looks at parking records, so the answer and its timing are the same whether or not
 * the plate ever parked; without a valid token nothing about a plate is returned. Every read of
 * records is audited like a staff read of plates (action public.records.read).
 */

export const READ_RECORDS = 'public.records.read';
const MAX_RECORDS = 200;
const MAX_ARREARS = 500;

export const citizenActor = (ip: string | null): Actor => ({
  userId: null, username: 'citizen:h5', role: 'system', districtCode: null, permissions: new Set(), ip,
});

/** Counts public use per Shanghai day for the console (queries, verifications, searched areas). */
export async function countUsage(db: PublicDb, now: Date, metric: string, key = ''): Promise<void> {
  await db.insertInto('public_usage_daily')
    .values({ day: shanghaiDay(now), metric, key: key.slice(0, 64), count: 1 })
    .onConflict((oc) => oc.columns(['day', 'metric', 'key']).doUpdateSet({ count: sql<number>`public_usage_daily.count + 1` }))
    .execute();
}

function plateOf(raw: string): string {
  const plate = normalizePlate(raw);
  if (!isValidPlate(plate)) throw badRequest('INVALID_PLATE', `车牌号格式不正确 / not a plate: ${maskPlate(plate)}`);
  return plate;
}

function rateLimited(code: string, message: string, retryAfterS: number): AppError {
  return new AppError(429, code, message, undefined, { 'retry-after': String(retryAfterS) });
}

export function verificationText(code: string, minutes: number): string {
  return `【智泊南通】您的验证码为 ${code}，${minutes} 分钟内有效。用于查询本人车辆停车记录，请勿告诉他人。`;
}

export interface VerificationStarted {
  verificationId: string;
  expiresAt: string;
  phoneMasked: string;
}

/** Sends a code to `phone` to prove `plate`. Never reads parking records (enumeration-proof). */
export async function startVerification(ctx: PublicContext, sms: SmsSender, body: { plate: string; phone: string }, ip: string | null): Promise<VerificationStarted> {
  const plate = plateOf(body.plate);
  const phone = normalizePhone(body.phone);
  if (!phone) throw badRequest('INVALID_PHONE', '请输入 11 位手机号 / not a mainland mobile number');
  const now = ctx.clock.now();
  const phoneHash = ctx.secrets.mac('citizen-phone', phone);
  const hourAgo = addMinutes(now, -60);
  const monthAgo = addMinutes(now, -30 * 24 * 60);
  const [byPlate, byPhone, plates] = await Promise.all([
    ctx.db.selectFrom('public_verifications').select((eb) => eb.fn.countAll<string>().as('n')).where('plate', '=', plate).where('created_at', '>', hourAgo).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('public_verifications').select((eb) => eb.fn.countAll<string>().as('n')).where('phone_hash', '=', phoneHash).where('created_at', '>', hourAgo).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('public_verifications').select((eb) => eb.fn.count<string>('plate').distinct().as('n'))
      .where('phone_hash', '=', phoneHash).where('confirmed_at', 'is not', null).where('created_at', '>', monthAgo).where('plate', '<>', plate).executeTakeFirstOrThrow(),
  ]);
  const verdict = maySend({ plateLastHour: Number(byPlate.n), phoneLastHour: Number(byPhone.n), otherPlatesConfirmed30Days: Number(plates.n) });
  if (!verdict.ok) {
    await countUsage(ctx.db, now, 'verification.refused');
    throw verdict.code === 'TOO_MANY_PLATES'
      ? rateLimited('TOO_MANY_PLATES', '该手机号 30 天内验证的车牌过多 / this phone verified too many plates in 30 days', verdict.retryAfterS)
      : rateLimited('RATE_LIMITED', '验证码发送过于频繁，请 1 小时后再试 / too many codes, retry in an hour', verdict.retryAfterS);
  }
  const id = randomBytes(18).toString('base64url');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = addMinutes(now, CODE_TTL_MINUTES);
  await ctx.db.insertInto('public_verifications').values({
    id, plate, phone_hash: phoneHash, phone_masked: maskPhone(phone), code_hash: ctx.secrets.mac('citizen-code', `${id}:${code}`),
    ip, created_at: now, expires_at: expiresAt, confirmed_at: null, send_error: null,
  }).execute();
  await countUsage(ctx.db, now, 'verification.sent');
  try {
    await sms.send({ phone, template: 'verification', params: { code, minutes: CODE_TTL_MINUTES }, text: verificationText(code, CODE_TTL_MINUTES) });
    await ctx.db.updateTable('public_verifications').set({ sent: true }).where('id', '=', id).execute();
  } catch (err) {
    const reason = (err as Error).message.slice(0, 200);
    await ctx.db.updateTable('public_verifications').set({ send_error: reason }).where('id', '=', id).execute();
    ctx.log.warn({ verification: id, err: reason }, 'SMS gateway refused a verification code');
    throw new AppError(503, 'SMS_UNAVAILABLE', '短信发送失败，请稍后再试 / the SMS gateway is unavailable, retry later', undefined, { 'retry-after': '60' });
  }
  return { verificationId: id, expiresAt: expiresAt.toISOString(), phoneMasked: maskPhone(phone) };
}

export interface CitizenToken {
  token: string;
  expiresAt: string;
  plateMasked: string;
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Checks a typed code; the right one (once, in time, within 5 attempts) yields a citizen token. */
export async function confirmVerification(ctx: PublicContext, id: string, code: string, ip: string | null): Promise<CitizenToken> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const v = await trx.selectFrom('public_verifications').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!v) return { verdict: 'unknown' as const };
    const expected = Buffer.from(v.code_hash, 'hex');
    const given = Buffer.from(ctx.secrets.mac('citizen-code', `${id}:${code}`), 'hex');
    const state = { expiresAt: v.expires_at, attempts: v.attempts, confirmedAt: v.confirmed_at };
    const verdict = confirmVerdict(state, expected.length === given.length && timingSafeEqual(expected, given), now);
    if (verdict === 'wrong') {
      await trx.updateTable('public_verifications').set({ attempts: v.attempts + 1 }).where('id', '=', id).execute();
      return { verdict, left: attemptsLeft(state, verdict) };
    }
    if (verdict !== 'ok') return { verdict };
    const token = randomBytes(32).toString('base64url');
    const expiresAt = addMinutes(now, TOKEN_TTL_MINUTES);
    await trx.updateTable('public_verifications').set({ confirmed_at: now, attempts: v.attempts + 1 }).where('id', '=', id).execute();
    await trx.insertInto('public_citizen_tokens').values({ token_hash: tokenHash(token), verification_id: id, plate: v.plate, created_at: now, expires_at: expiresAt }).execute();
    await audit(ctx, trx, citizenActor(ip), { action: 'public.citizen.verified', targetType: 'plate', targetId: maskPlate(v.plate), detail: { verification: id, phone: v.phone_masked } });
    return { verdict, token: { token, expiresAt: expiresAt.toISOString(), plateMasked: maskPlate(v.plate) } };
  });
  await countUsage(ctx.db, now, outcome.verdict === 'ok' ? 'verification.confirmed' : 'verification.failed');
  switch (outcome.verdict) {
    case 'ok': return outcome.token;
    case 'wrong': throw badRequest('CODE_WRONG', `验证码不正确，还可尝试 ${outcome.left} 次 / wrong code, ${outcome.left} attempts left`, { attemptsLeft: outcome.left });
    case 'expired': throw badRequest('CODE_EXPIRED', '验证码已过期，请重新获取 / the code has expired, ask for a new one');
    case 'exhausted': throw rateLimited('CODE_ATTEMPTS_EXHAUSTED', '错误次数过多，请重新获取验证码 / too many wrong codes, ask for a new one', 60);
    case 'used': throw badRequest('CODE_USED', '验证码已使用，请重新获取 / the code was already used, ask for a new one');
    default: throw new AppError(404, 'VERIFICATION_NOT_FOUND', '验证请求不存在，请重新获取验证码 / no such verification, ask for a new code');
  }
}

/** The plate a citizen token proves, or 401. Bearer tokens only; the token is never logged. */
export async function citizenPlate(ctx: PublicContext, authorization: string | undefined): Promise<{ plate: string; verificationId: string }> {
  const m = /^Bearer\s+([A-Za-z0-9_-]{20,100})$/.exec(authorization ?? '');
  if (!m) throw new AppError(401, 'CITIZEN_TOKEN_REQUIRED', '请先通过手机验证码验证车牌 / verify the plate with a phone code first');
  const row = await ctx.db.selectFrom('public_citizen_tokens').select(['plate', 'verification_id', 'expires_at']).where('token_hash', '=', tokenHash(m[1]!)).executeTakeFirst();
  if (!row || row.expires_at.getTime() <= ctx.clock.now().getTime()) {
    throw new AppError(401, 'CITIZEN_TOKEN_INVALID', '验证已失效，请重新验证 / the verification has expired, verify again');
  }
  return { plate: row.plate, verificationId: row.verification_id };
}

/**
 * For other modules (through index.ts): the plate a citizen's `Authorization: Bearer <token>`
 * proves, or 401 CITIZEN_TOKEN_REQUIRED / CITIZEN_TOKEN_INVALID — the codes of 我的停车.
 */
export function citizenPlateOf(ctx: AppContext, authorization: string | undefined): Promise<{ plate: string; verificationId: string }> {
  return citizenPlate(publicContext(ctx), authorization);
}

export interface CitizenRecord {
  sessionId: number;
  lotCode: string;
  lotName: string;
  enteredAt: string | null;
  exitedAt: string | null;
  minutes: number | null;
  receivableFen: number | null;
  paidFen: number | null;
  arrearsFen: number | null;
  settled: 'paid' | 'written_off' | null;
  payChannel: string | null;
  state: 'open' | 'closed';
}

const yuan = (fen: number) => (fen / 100).toFixed(2);

/** The verified plate's records of the last 90 days and its open arrears (any age), audited. */
export async function citizenRecords(ctx: PublicContext, authorization: string | undefined, ip: string | null) {
  const { plate, verificationId } = await citizenPlate(ctx, authorization);
  const now = ctx.clock.now();
  const since = addMinutes(now, -RECORD_DAYS * 24 * 60);
  const base = () => ctx.db.selectFrom('parking_sessions as s').innerJoin('lots as l', 'l.id', 's.lot_id')
    .select(['s.id', 'l.code', 'l.name', 's.entered_at', 's.exited_at', 's.receivable_fen', 's.paid_fen', 's.pay_channel', 's.state'])
    .where('s.plate', '=', plate).where('s.excluded_by', 'is', null);
  const [recent, owing] = await Promise.all([
    base().where(sql<boolean>`coalesce(s.entered_at, s.exited_at) >= ${since}`)
      .orderBy(sql`coalesce(s.entered_at, s.exited_at)`, 'desc').orderBy('s.id', 'desc').limit(MAX_RECORDS).execute(),
    base().where('s.state', '=', 'closed').where('s.receivable_fen', 'is not', null)
      .where(sql<boolean>`s.receivable_fen > coalesce(s.paid_fen, 0)`)
      .orderBy(sql`coalesce(s.exited_at, s.entered_at)`, 'desc').limit(MAX_ARREARS).execute(),
  ]);
  // Arrears paid through the channels or written off here (欠费追缴) are no longer owed.
  const settled = await settledSessions(ctx, [...new Set([...recent, ...owing].map((r) => r.id))]);
  const toRecord = (r: (typeof recent)[number]): CitizenRecord => {
    const owed = r.receivable_fen === null ? null : Math.max(r.receivable_fen - (r.paid_fen ?? 0), 0);
    const covered = settled.get(r.id);
    // What settlements cover (less what a refund reopened) is not owed; the rest is (docs/指标口径.md, 欠费追缴).
    const arrears = owed === null ? null : Math.max(owed - (covered?.coveredFen ?? 0), 0);
    return {
      sessionId: r.id, lotCode: r.code, lotName: r.name,
      enteredAt: r.entered_at?.toISOString() ?? null, exitedAt: r.exited_at?.toISOString() ?? null,
      minutes: r.entered_at && r.exited_at ? Math.max(0, Math.round((r.exited_at.getTime() - r.entered_at.getTime()) / 60_000)) : null,
      receivableFen: r.receivable_fen, paidFen: r.paid_fen, arrearsFen: arrears, settled: covered !== undefined && arrears === 0 ? covered.kind : null, payChannel: r.pay_channel, state: r.state,
    };
  };
  const arrears = owing.map(toRecord).filter((r) => (r.arrearsFen ?? 0) > 0);
  const totalArrearsFen = arrears.reduce((s, r) => s + (r.arrearsFen ?? 0), 0);
  await audit(ctx, ctx.db, citizenActor(ip), {
    action: READ_RECORDS, targetType: 'plate', targetId: maskPlate(plate),
    detail: { plate, verification: verificationId, records: recent.length, arrears: arrears.length },
  });
  await countUsage(ctx.db, now, 'records.read');
  return {
    plate, plateMasked: maskPlate(plate), since: since.toISOString(),
    records: recent.map(toRecord), arrears, totalArrearsFen, totalArrearsYuan: yuan(totalArrearsFen),
  };
}
