import { createHash, randomUUID } from 'node:crypto';
import svgCaptcha from 'svg-captcha';
import type { Config } from '../../config.js';
import type { AnyDb } from '../../platform/db.js';
import { accountsDb, type AccountsDb } from './repo.js';

/*
 * The login captcha (docs/等保自查.md, "身份鉴别"; decision 0023): drawn here by svg-captcha as an
 * SVG picture of distorted letters, no outside service. Shown only after failed sign-ins, so an
 * ordinary sign-in never sees one: `loginCaptchaAfter` wrong sign-ins of a (username, address)
 * pair, or three times as many from an address over any usernames (password spraying). A
 * challenge's answer is kept as a hash, is good for CAPTCHA_TTL_MS and is spent when tried.
 */

export const CAPTCHA_TTL_MS = 5 * 60_000;
/** Letters easy to misread (0/o, 1/l/i) are never drawn. */
const IGNORE = '0oO1iIlL';

const answerHash = (id: string, answer: string) => createHash('sha256').update(`${id}:${answer.trim().toLowerCase()}`).digest('hex');

export interface Captcha {
  id: string;
  /** The picture as a data: URL (image/svg+xml), shown in an <img> (CSP img-src allows data:). */
  image: string;
  expiresAt: string;
}

/**
 * A new challenge for a client address. Its answer goes nowhere but to `answerOf`: the tests'
 * way to solve one (the route passes none).
 */
export async function newCaptcha(anyDb: AnyDb, ip: string | null, now: Date, answerOf?: (text: string) => void): Promise<Captcha> {
  const db = accountsDb(anyDb);
  const drawn = svgCaptcha.create({ size: 4, noise: 3, ignoreChars: IGNORE, width: 120, height: 40, background: '#f4f6fa' });
  answerOf?.(drawn.text);
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + CAPTCHA_TTL_MS);
  await db.deleteFrom('login_captchas').where('expires_at', '<', now).execute();
  await db.insertInto('login_captchas').values({ id, answer_hash: answerHash(id, drawn.text), ip: ip ?? '', expires_at: expiresAt, created_at: now }).execute();
  return { id, image: `data:image/svg+xml;base64,${Buffer.from(drawn.data).toString('base64')}`, expiresAt: expiresAt.toISOString() };
}

/** Spends the challenge `id`: true when `answer` is its text (any case) and it has not expired. */
export async function spendCaptcha(db: AccountsDb, id: string, answer: string, now: Date): Promise<boolean> {
  const row = await db.deleteFrom('login_captchas').where('id', '=', id).returning(['answer_hash', 'expires_at']).executeTakeFirst();
  return !!row && row.expires_at > now && row.answer_hash === answerHash(id, answer);
}

/** Whether a sign-in of `username` from `ip` must carry a solved captcha now. */
export async function captchaRequired(db: AccountsDb, config: Pick<Config, 'loginCaptchaAfter'>, username: string, ip: string | null): Promise<boolean> {
  const n = config.loginCaptchaAfter;
  if (n <= 0) return false;
  const rows = await db.selectFrom('login_failures').select(['username', 'failures']).where('ip', '=', ip ?? '').execute();
  const pair = rows.find((r) => r.username === username)?.failures ?? 0;
  const total = rows.reduce((sum, r) => sum + r.failures, 0);
  return pair >= n || total >= 3 * n;
}
