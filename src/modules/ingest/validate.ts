import { isValidPlate, NO_PLATE_WORDS, noPlateKey, normalizePlate, PLATE_COLORS, TICKET_ID_RE } from '../../platform/plates.js';
import { PHOTO_REF_MAX, STORED_REF_RE } from '../../platform/photo-store.js';
import { parseBusinessTime } from '../../platform/time.js';
import { PAY_CHANNELS } from '../sessions/index.js';
import type { EventType } from './tables.js';

/*
 * Validation of one pushed event (docs/接入规范.md §6–7). Pure: lots are resolved by the caller. Every
 * rejection carries a code from REJECTION_CODES and a message naming the field.
 */

export const MAX_FUTURE_MS = 5 * 60_000;
const EVENT_TYPES: readonly EventType[] = ['entry', 'exit', 'status', 'heartbeat', 'payment'];
const ID_RE = /^[\x21-\x7e]{1,128}$/; // printable ASCII, no spaces
const MAX_FEN = 100_000_000; // one million yuan: anything above is a unit mistake

export interface Rejection {
  code: string;
  message: string;
}

interface Base {
  eventId: string;
  occurredAt: Date;
  raw: Record<string, unknown>;
}
export type ValidEvent =
  | (Base & { type: 'entry'; lotCode: string; plate: string; plateRaw: string; plateColor: string | null; berthCode: string | null; photo: string | null })
  | (Base & {
      type: 'exit';
      lotCode: string;
      plate: string;
      plateRaw: string;
      entryEventId: string | null;
      enteredAt: Date | null;
      receivableFen: number | null;
      paidFen: number | null;
      payChannel: string | null;
      photo: string | null;
    })
  | (Base & { type: 'status'; lotCode: string; totalSpaces: number; freeSpaces: number })
  | (Base & { type: 'heartbeat'; lotCode: null })
  | (Base & { type: 'payment'; lotCode: string; plate: string | null; plateRaw: string | null; orderNo: string; amountFen: number; channel: string; paidAt: Date });

export type Checked = { ok: true; event: ValidEvent } | { ok: false; eventId: string | null; rejection: Rejection };

class Reject extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const field = (name: string, why: string) => new Reject('INVALID_FIELD', `${name}: ${why}`);

function str(o: Record<string, unknown>, name: string, opts: { required: boolean; max?: number; re?: RegExp }): string | null {
  const v = o[name];
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw field(name, '必填 / required');
    return null;
  }
  if (typeof v !== 'string') throw field(name, '应为字符串 / must be a string');
  if (v.length > (opts.max ?? 128)) throw field(name, `过长 / longer than ${opts.max ?? 128}`);
  if (opts.re && !opts.re.test(v)) throw field(name, '格式错误 / bad format');
  return v;
}

function int(o: Record<string, unknown>, name: string, opts: { required: boolean; min?: number; max?: number }): number | null {
  const v = o[name];
  if (v === undefined || v === null) {
    if (opts.required) throw field(name, '必填 / required');
    return null;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw field(name, '应为整数 / must be an integer');
  if (opts.min !== undefined && v < opts.min) throw field(name, `不能小于 ${opts.min} / below ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw field(name, `不能大于 ${opts.max} / above ${opts.max}`);
  return v;
}

function time(o: Record<string, unknown>, name: string, now: Date, required: boolean): Date | null {
  const v = o[name];
  if (v === undefined || v === null) {
    if (required) throw new Reject('INVALID_TIME', `${name}: 必填 / required`);
    return null;
  }
  const t = parseBusinessTime(v);
  if (!t || t.getUTCFullYear() < 2000) {
    throw new Reject('INVALID_TIME', `${name}: 应为 ISO 8601 或 YYYY-MM-DD HH:mm:ss / must be ISO 8601 or YYYY-MM-DD HH:mm:ss`);
  }
  if (t.getTime() > now.getTime() + MAX_FUTURE_MS) {
    throw new Reject('FUTURE_TIME', `${name}: 超前服务器时间 5 分钟以上 / more than 5 minutes ahead of the server clock`);
  }
  return t;
}

/**
 * The plate of an event, normalised. A vehicle without a plate (plate `无牌车`, `临时车`, `无牌` or
 * none) comes with the lot system's `ticketId` and is stored as `无牌车#<ticketId>`
 * (docs/接入规范.md §6.2); without a ticket id it cannot be paired and is refused.
 */
function plate(o: Record<string, unknown>, required: boolean): { plate: string; plateRaw: string } | null {
  const raw = o.plate;
  const ticketId = str(o, 'ticketId', { required: false, max: 32, re: TICKET_ID_RE });
  const absent = raw === undefined || raw === null || raw === '';
  if (!absent && (typeof raw !== 'string' || raw.length > 32)) throw new Reject('INVALID_PLATE', 'plate: 应为不超过 32 字的字符串 / must be a string of at most 32 characters');
  const normalized = absent ? '' : normalizePlate(raw as string);
  if (absent || NO_PLATE_WORDS.includes(normalized)) {
    const key = ticketId === null ? null : noPlateKey(ticketId);
    if (key !== null) return { plate: key, plateRaw: absent ? '' : (raw as string) };
    if (absent && !required) return null;
    throw new Reject('INVALID_PLATE', absent
      ? 'plate: 必填；无牌车请同时提供 ticketId / required (a vehicle without a plate: send ticketId)'
      : `plate: 无牌车须同时提供 ticketId（车场系统的临时票号） / a vehicle without a plate needs ticketId: ${printable(raw as string, 32)}`);
  }
  if (!isValidPlate(normalized)) throw new Reject('INVALID_PLATE', `plate: 不是有效车牌 / not a valid plate: ${printable(raw as string, 32)}`);
  return { plate: normalized, plateRaw: raw as string };
}

/**
 * The snapshot (抓拍) of an entry or exit, `photoUrl` (docs/接入规范.md §6.7): `photo:<sha256>` as
 * the signed upload answered, or an https URL without credentials, at most 512 characters. Checked
 * by its form only — no query and no fetch per event (docs/performance.md, "Ingest").
 */
export function photoUrl(o: Record<string, unknown>): string | null {
  const v = o.photoUrl;
  if (v === undefined || v === null || v === '') return null;
  const bad = (why: string) => new Reject('INVALID_PHOTO_URL', `photoUrl: ${why}`);
  if (typeof v !== 'string') throw bad('应为字符串 / must be a string');
  if (v.length > PHOTO_REF_MAX) throw bad(`过长 / longer than ${PHOTO_REF_MAX}`);
  if (v.startsWith('photo:')) {
    if (!STORED_REF_RE.test(v)) throw bad('应为 photo:<64 位小写十六进制 SHA-256> / must be photo:<sha256 in lower-case hex>');
    return v;
  }
  if (!/^https:\/\/[\x21-\x7e]+$/.test(v)) throw bad('应为 https 地址或 photo: 引用 / must be an https URL or a photo: reference');
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw bad('不是有效地址 / not a valid URL');
  }
  if (url.protocol !== 'https:' || !url.hostname) throw bad('应为 https 地址 / must be an https URL');
  if (url.username || url.password) throw bad('地址不能含用户名或密码 / must not carry credentials');
  return v;
}

function channel(o: Record<string, unknown>, name: string, required: boolean): string | null {
  const v = str(o, name, { required, max: 32 });
  if (v === null) return null;
  const c = v.toLowerCase();
  if (!(PAY_CHANNELS as readonly string[]).includes(c)) throw field(name, `应为 ${PAY_CHANNELS.join('|')} / unknown channel`);
  return c;
}

/*
 * PostgreSQL text and jsonb cannot hold NUL or unpaired UTF-16 surrogates, and a value nested
 * thousands deep cannot be serialised back. Such an event is refused (and so quarantined with
 * the request's bytes), and what we echo of it is made printable.
 */
// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const UNSTORABLE = /[\u0000]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_DEPTH = 16;

/** A string safe to store and echo: control characters and broken surrogates shown as \uXXXX. */
export function printable(text: string, max = 128): string {
  return text
    .slice(0, max)
    // eslint-disable-next-line no-control-regex -- control characters are what it escapes
    .replace(/[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Where in a value something cannot be stored, or null when all of it can. */
function unstorable(value: unknown): string | null {
  const stack: [unknown, string, number][] = [[value, 'event', 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return `${path}: 含 NUL 或无效 Unicode 字符 / contains NUL or an unpaired surrogate`;
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_DEPTH) return `${path}: 嵌套超过 ${MAX_DEPTH} 层 / nested deeper than ${MAX_DEPTH}`;
      for (const [k, child] of Object.entries(v)) {
        if (UNSTORABLE.test(k)) return `${path}: 字段名含无效字符 / a key contains NUL or an unpaired surrogate`;
        stack.push([child, `${path}.${printable(k, 32)}`, depth + 1]);
      }
    }
  }
  return null;
}

/** JSON text of a value that may be too deep to serialise (only for keeping what was refused). */
export function storableJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '"[not serialisable: nested too deeply]"';
  }
}

export function checkEvent(input: unknown, now: Date): Checked {
  const rawId = typeof input === 'object' && input !== null ? (input as { eventId?: unknown }).eventId : undefined;
  const eventId = typeof rawId === 'string' ? printable(rawId) : null;
  const problem = unstorable(input);
  if (problem) return { ok: false, eventId, rejection: { code: 'INVALID_FIELD', message: problem } };
  try {
    return { ok: true, event: parse(input, now) };
  } catch (err) {
    if (err instanceof Reject) return { ok: false, eventId, rejection: { code: err.code, message: err.message } };
    throw err;
  }
}

function parse(input: unknown, now: Date): ValidEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Reject('INVALID_FIELD', 'event: 应为对象 / must be an object');
  const o = input as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string' || !EVENT_TYPES.includes(type as EventType)) throw field('type', `应为 ${EVENT_TYPES.join('|')}`);
  const eventId = str(o, 'eventId', { required: true, re: ID_RE })!;
  const occurredAt = time(o, 'occurredAt', now, true)!;
  const base = { eventId, occurredAt, raw: o };
  switch (type as EventType) {
    case 'heartbeat':
      return { ...base, type: 'heartbeat', lotCode: null };
    case 'entry': {
      const lotCode = str(o, 'lotCode', { required: true, max: 64 })!;
      const p = plate(o, true)!;
      const color = str(o, 'plateColor', { required: false, max: 16 });
      if (color !== null && !(PLATE_COLORS as readonly string[]).includes(color)) throw field('plateColor', `应为 ${PLATE_COLORS.join('|')}`);
      return { ...base, type: 'entry', lotCode, ...p, plateColor: color, berthCode: str(o, 'berthCode', { required: false, max: 64 }), photo: photoUrl(o) };
    }
    case 'exit': {
      const lotCode = str(o, 'lotCode', { required: true, max: 64 })!;
      const p = plate(o, true)!;
      const enteredAt = time(o, 'enteredAt', now, false);
      return {
        ...base,
        type: 'exit',
        lotCode,
        ...p,
        entryEventId: str(o, 'entryEventId', { required: false, re: ID_RE }),
        enteredAt,
        receivableFen: int(o, 'receivableFen', { required: false, min: 0, max: MAX_FEN }),
        paidFen: int(o, 'paidFen', { required: false, min: 0, max: MAX_FEN }),
        payChannel: channel(o, 'payChannel', false),
        photo: photoUrl(o),
      };
    }
    case 'status': {
      const lotCode = str(o, 'lotCode', { required: true, max: 64 })!;
      const totalSpaces = int(o, 'totalSpaces', { required: true, min: 0, max: 100_000 })!;
      // Out-of-range free counts are real feed errors: accepted and flagged, not refused.
      const freeSpaces = int(o, 'freeSpaces', { required: true, min: -100_000, max: 1_000_000 })!;
      return { ...base, type: 'status', lotCode, totalSpaces, freeSpaces };
    }
    case 'payment': {
      const lotCode = str(o, 'lotCode', { required: true, max: 64 })!;
      const p = plate(o, false);
      return {
        ...base,
        type: 'payment',
        lotCode,
        plate: p?.plate ?? null,
        plateRaw: p?.plateRaw ?? null,
        orderNo: str(o, 'orderNo', { required: true, max: 64 })!,
        amountFen: int(o, 'amountFen', { required: true, min: 0, max: MAX_FEN })!,
        channel: channel(o, 'channel', true)!,
        paidAt: time(o, 'paidAt', now, true)!,
      };
    }
  }
}
