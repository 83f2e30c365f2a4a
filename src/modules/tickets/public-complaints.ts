import { systemActor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { citizenUrl, issueCitizenToken, ticketIdOfToken } from './citizen-links.js';
import { maskName, maskPhone } from './personal-data.js';
import { createTicket } from './tickets.js';
import { recordCitizenAnswer } from './transitions.js';
import { CATEGORY_LABELS, RESOLVED_STATES, TICKET_CATEGORIES, type TicketCategory, type TicketState } from './vocab.js';
import type { TicketsContext } from './repo.js';

/*
 * The citizen's side of a work order (市民投诉 H5, no account): submit a complaint (channel
 * `web`), follow it by a personal link, and confirm or reject the result. The link's token is
 * the only key, so answers never say more than the citizen entered (phone and name masked)
 * and nothing of the staff handling it (internal notes, assignees).
 */

/** Who does what on the public pages, in history and audit. */
export const CITIZEN_ACTOR = 'citizen:h5';
const citizen = () => systemActor(CITIZEN_ACTOR);

const MOBILE = /^1[3-9][0-9]{9}$/;

function field(raw: Record<string, unknown>, key: string, max: number, required = false): string | null {
  const v = raw[key];
  if (v === undefined || v === null || (typeof v === 'string' && !v.trim())) {
    if (required) throw badRequest('INVALID_FIELD', `请填写 ${key} / ${key} is required`);
    return null;
  }
  if (typeof v !== 'string') throw badRequest('INVALID_FIELD', `${key} 应为文字 / ${key} must be a string`);
  const s = v.trim();
  if (s.length > max) throw badRequest('INVALID_FIELD', `${key} 最长 ${max} 个字符 / ${key}: at most ${max} characters`);
  return s;
}

/** A mainland mobile number (11 digits starting 13–19), spaces, dashes and +86 allowed as typed. */
export function mobilePhone(raw: string): string {
  const digits = raw.normalize('NFKC').replace(/[\s-]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  if (!MOBILE.test(digits)) throw badRequest('INVALID_PHONE', '请填写正确的 11 位手机号码 / enter a valid mainland mobile number (11 digits)');
  return digits;
}

/**
 * The parking record a complaint is about (我的停车 → 对这笔停车有异议): a positive integer, given
 * only together with the lot it belongs to, so a guessed number alone links nothing.
 */
function citizenSessionId(v: unknown, lotCode: string | null): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw badRequest('INVALID_FIELD', 'sessionId 应为正整数 / sessionId must be a positive integer');
  if (!lotCode) throw badRequest('SESSION_LOT_MISMATCH', '停车流水须与其停车场一同提交 / sessionId needs the lotCode of its lot');
  return v;
}

export interface ComplaintReceipt {
  ticketNo: string;
  statusUrl: string;
  /** The token in the link: shown once, never stored. */
  token: string;
}

export async function submitComplaint(ctx: TicketsContext, body: unknown): Promise<ComplaintReceipt> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('INVALID_BODY', '请求体应为 JSON 对象 / body must be a JSON object');
  const raw = body as Record<string, unknown>;
  const category = raw.category;
  if (typeof category !== 'string' || !(TICKET_CATEGORIES as readonly string[]).includes(category)) {
    throw badRequest('INVALID_CATEGORY', `请选择问题类型 / category must be one of ${TICKET_CATEGORIES.join(', ')}`);
  }
  const description = field(raw, 'description', 2000, true)!;
  const phone = mobilePhone(field(raw, 'citizenPhone', 20, true)!);
  const title = field(raw, 'title', 100) ?? `${CATEGORY_LABELS[category as TicketCategory]}：${[...description].slice(0, 30).join('')}`;
  const lotCode = field(raw, 'lotCode', 64);
  const sessionId = citizenSessionId(raw.sessionId, lotCode);
  const actor = citizen();
  // Only the fields a citizen may set: no priority, district or external number. A session
  // (from 我的停车) is checked against its lot by createTicket (UNKNOWN_SESSION, SESSION_LOT_MISMATCH).
  const { ticket } = await createTicket(ctx, actor, {
    channel: 'web', category, title, description,
    citizenName: field(raw, 'citizenName', 50), citizenPhone: phone,
    lotCode, plate: field(raw, 'plate', 32), sessionId,
  });
  const token = await ctx.db.transaction().execute(async (trx) => {
    const t = await issueCitizenToken(ctx, trx, ticket.id, actor.username);
    await audit(ctx, trx, actor, { action: 'ticket.citizen_link', targetType: 'ticket', targetId: ticket.id, detail: { no: ticket.no, replaced: false } });
    return t;
  });
  return { ticketNo: ticket.no, statusUrl: citizenUrl(ctx, token), token };
}

export interface PublicReply {
  body: string;
  createdAt: string;
}

export interface ComplaintStatus {
  ticketNo: string;
  state: TicketState;
  category: TicketCategory;
  title: string;
  description: string;
  citizenName: string | null;
  citizenPhone: string | null;
  createdAt: string;
  publicReplies: PublicReply[];
  resolution: string | null;
  resolvedAt: string | null;
  canRespond: boolean;
}

async function ticketOf(ctx: TicketsContext, token: string): Promise<number> {
  const id = await ticketIdOfToken(ctx.db, token);
  if (id === null) throw notFound('投诉链接 / complaint link');
  return id;
}

export async function complaintStatus(ctx: TicketsContext, token: string): Promise<ComplaintStatus> {
  const id = await ticketOf(ctx, token);
  const t = await ctx.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  // Public replies only (internal notes never), without staff names; also those of duplicates merged into it.
  const replies = await ctx.db.selectFrom('ticket_comments').innerJoin('tickets', 'tickets.id', 'ticket_comments.ticket_id')
    .select(['ticket_comments.body', 'ticket_comments.created_at'])
    .where('ticket_comments.visibility', '=', 'public')
    .where((eb) => eb.or([eb('ticket_comments.ticket_id', '=', id), eb('tickets.merged_into', '=', id)]))
    .orderBy('ticket_comments.created_at').orderBy('ticket_comments.id').execute();
  const resolved = RESOLVED_STATES.includes(t.state);
  return {
    ticketNo: t.no,
    state: t.state,
    category: t.category,
    title: t.title,
    description: t.description,
    citizenName: t.citizen_name === null ? null : maskName(t.citizen_name),
    citizenPhone: t.citizen_phone === null ? null : maskPhone(t.citizen_phone),
    createdAt: t.created_at.toISOString(),
    publicReplies: replies.map((r) => ({ body: r.body, createdAt: r.created_at.toISOString() })),
    resolution: resolved ? t.resolution : null,
    resolvedAt: resolved ? t.resolved_at?.toISOString() ?? null : null,
    canRespond: t.state === 'feedback_given',
  };
}

/** The citizen's answer by link: only while the result awaits it (feedback_given). */
export async function answerComplaint(ctx: TicketsContext, token: string, body: unknown): Promise<ComplaintStatus> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('INVALID_BODY', '请求体应为 JSON 对象 / body must be a JSON object');
  const raw = body as Record<string, unknown>;
  if (typeof raw.accepted !== 'boolean') throw badRequest('INVALID_FIELD', 'accepted 应为 true 或 false / accepted must be true or false');
  const note = field(raw, 'note', 500);
  const id = await ticketOf(ctx, token);
  const state = (await ctx.db.selectFrom('tickets').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
  // A confirmed ticket could still be reopened by staff, but not by a link someone may have kept.
  if (state !== 'feedback_given') {
    throw new AppError(409, 'ILLEGAL_TRANSITION', `该投诉当前不需要您确认（状态：${state}） / the complaint does not await your answer now (state ${state})`, { state });
  }
  const actor = citizen();
  const prefix = raw.accepted ? '市民通过链接确认解决 / citizen confirmed by link' : '市民通过链接表示未解决 / citizen rejected by link';
  await recordCitizenAnswer(ctx, actor, id, { accepted: raw.accepted, note: note ? `${prefix}：${note}` : prefix });
  return complaintStatus(ctx, token);
}
