import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { NODE_ID } from '../../platform/jobs.js';
import { isTimeout, outboundAllow, postOutbound, statusLine, type OutboundAllow } from '../../platform/outbound.js';
import { signBody } from '../../platform/signing.js';
import { type TicketRow, type TicketsContext, type TicketsDb } from './repo.js';
import type { CallbackStatus } from './tables.js';

/*
 * Status callbacks to the channel a ticket came from (the 12345 platform, a mini-program).
 * Like the notifications outbox: rows are written with the change in its transaction and sent
 * after commit by `deliverCallbacks` (job 'tickets.callbacks'), which claims due rows with
 * FOR UPDATE SKIP LOCKED plus a lease, so two app nodes never send one twice. A ticket's
 * callbacks go out in order: a row waits while an older one of the same ticket waits for a
 * retry (or is being sent by another node).
 * Failures are retried after 1, 5, 15, 60 and 240 minutes; the sixth failed attempt is final.
 *
 * Each POST carries the exact stored JSON, signed with the client's secret like the inbound
 * API: X-Zhibo-Client, X-Zhibo-Timestamp (unix seconds at sending), X-Zhibo-Signature = hex
 * HMAC-SHA256(secret, timestamp + "\n" + body), X-Zhibo-Event. Any 2xx answer is success.
 * The URL passes the outbound guard (src/platform/outbound.ts) at every attempt, and what is
 * recorded of an answer is its status line, never its body.
 */

export const CALLBACK_RETRY_MINUTES = [1, 5, 15, 60, 240] as const;
export const CALLBACK_MAX_ATTEMPTS = CALLBACK_RETRY_MINUTES.length + 1;
const TIMEOUT_MS = 10_000;

export type CallbackEvent = 'ticket.state_changed' | 'ticket.replied';

export interface CallbackContent {
  state: string;
  previousState?: string | null;
  /** The public part of the change: the resolution, what the citizen is asked for, a reply. */
  note?: string | null;
  resolution?: string | null;
  reply?: string | null;
  /** Set when the ticket was merged into another one (its number). */
  mergedInto?: string | null;
}

/**
 * Queues a callback for the ticket's own client and for every duplicate merged into it that came
 * from a client (their citizens wait for the same result). Clients without a callback URL are skipped.
 */
export async function queueCallbacks(trx: TicketsDb, ticket: TicketRow, event: CallbackEvent, content: CallbackContent, at: Date): Promise<number> {
  const targets = await trx.selectFrom('tickets')
    .innerJoin('ticket_channel_clients as c', 'c.code', 'tickets.client_code')
    .select(['tickets.id', 'tickets.no', 'tickets.external_no', 'tickets.channel', 'c.code as client_code'])
    .where((eb) => eb.or([eb('tickets.id', '=', ticket.id), eb('tickets.merged_into', '=', ticket.id)]))
    .where('c.callback_url', 'is not', null)
    .orderBy('tickets.id')
    .execute();
  for (const t of targets) {
    const payload = JSON.stringify({
      event,
      eventId: randomUUID(),
      ticketNo: t.no,
      externalNo: t.external_no,
      channel: t.channel,
      at: at.toISOString(),
      ...(Number(t.id) !== Number(ticket.id) ? { mergedInto: ticket.no } : {}),
      ...content,
    });
    await trx.insertInto('ticket_callbacks').values({
      ticket_id: Number(t.id), client_code: t.client_code, event, payload, next_attempt_at: at, created_at: at,
      claimed_until: null, claimed_by: null, last_error: null, last_http_status: null, last_attempt_at: null, sent_at: null,
    }).execute();
  }
  return targets.length;
}

export interface CallbackReport {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  cancelled: number;
}

/** Sends the due callbacks; the job runs it every 15 s. */
export async function deliverCallbacks(ctx: TicketsContext, opts: { limit?: number; timeoutMs?: number } = {}): Promise<CallbackReport> {
  const limit = opts.limit ?? 50;
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const allow = outboundAllow(ctx.config.outboundAllow);
  const holder = `${NODE_ID}/${randomUUID().slice(0, 8)}`;
  const now = ctx.clock.now();
  const leaseMs = Math.max(5 * 60_000, (limit + 2) * timeoutMs);
  const claimed = await sql<{ id: number }>`
    update ticket_callbacks set claimed_until = ${new Date(now.getTime() + leaseMs)}, claimed_by = ${holder}
    where id in (
      select c.id from ticket_callbacks c
      where c.status = 'pending' and c.next_attempt_at <= ${now} and (c.claimed_until is null or c.claimed_until <= ${now})
        and not exists (
          select 1 from ticket_callbacks p where p.ticket_id = c.ticket_id and p.id < c.id and p.status = 'pending'
            and (p.next_attempt_at > ${now} or p.claimed_until > ${now}))
      order by c.id
      limit ${limit}
      for update skip locked)
    returning id`.execute(ctx.db);
  const report: CallbackReport = { claimed: claimed.rows.length, sent: 0, retrying: 0, failed: 0, cancelled: 0 };
  if (!claimed.rows.length) return report;

  const jobs = await ctx.db.selectFrom('ticket_callbacks as t')
    .innerJoin('ticket_channel_clients as c', 'c.code', 't.client_code')
    .select(['t.id', 't.ticket_id', 't.attempts', 't.event', 't.payload', 'c.code', 'c.callback_url', 'c.enabled', 'c.secret_sealed'])
    .where('t.id', 'in', claimed.rows.map((r) => Number(r.id)))
    .where('t.claimed_by', '=', holder)
    .orderBy('t.id')
    .execute();

  // One at a time, oldest first: a ticket's callbacks must arrive in order, and callbacks are few.
  // After a failure, the ticket's later callbacks in this batch are put back to wait behind it.
  const failedTickets = new Set<number>();
  for (const job of jobs) {
    const base = ctx.db.updateTable('ticket_callbacks').where('id', '=', job.id).where('claimed_by', '=', holder);
    if (failedTickets.has(Number(job.ticket_id))) {
      report.claimed--;
      await base.set({ claimed_until: null, claimed_by: null }).execute();
      continue;
    }
    if (!job.enabled || !job.callback_url) {
      report.cancelled++;
      await base.set({ status: 'cancelled', last_error: '接入方已停用或未配置回调地址 / client disabled or without a callback URL', claimed_until: null, claimed_by: null }).execute();
      continue;
    }
    const result = await post(ctx, job, timeoutMs, allow);
    const at = ctx.clock.now();
    const tries = job.attempts + 1;
    if (result.ok) {
      report.sent++;
      await base.set({ status: 'sent', attempts: tries, sent_at: at, last_attempt_at: at, last_http_status: result.status, last_error: null, claimed_until: null, claimed_by: null }).execute();
      continue;
    }
    const final = tries >= CALLBACK_MAX_ATTEMPTS;
    if (!final) failedTickets.add(Number(job.ticket_id));
    if (final) report.failed++;
    else report.retrying++;
    ctx.log.warn({ callbackId: job.id, client: job.code, attempts: tries, final, error: result.error }, 'ticket status callback failed');
    await base.set({
      status: final ? 'failed' : 'pending',
      attempts: tries,
      last_attempt_at: at,
      last_http_status: result.status,
      last_error: result.error.slice(0, 1000),
      next_attempt_at: final ? at : new Date(at.getTime() + CALLBACK_RETRY_MINUTES[tries - 1]! * 60_000),
      claimed_until: null,
      claimed_by: null,
    }).execute();
  }
  return report;
}

async function post(
  ctx: TicketsContext,
  job: { code: string; event: string; payload: string; callback_url: string | null; secret_sealed: string },
  timeoutMs: number,
  allow: OutboundAllow,
): Promise<{ ok: true; status: number } | { ok: false; status: number | null; error: string }> {
  let secret: string;
  try {
    secret = ctx.secrets.open(job.secret_sealed);
  } catch {
    return { ok: false, status: null, error: '无法读取接入方密钥（平台密钥是否更换？）/ cannot open the client secret' };
  }
  const ts = String(Math.floor(ctx.clock.now().getTime() / 1000));
  try {
    const res = await postOutbound(job.callback_url!, {
      allow,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-zhibo-client': job.code,
        'x-zhibo-timestamp': ts,
        'x-zhibo-signature': signBody(secret, ts, job.payload),
        'x-zhibo-event': job.event,
      },
      body: job.payload,
      timeoutMs,
    });
    if (res.status >= 200 && res.status <= 299) return { ok: true, status: res.status };
    return { ok: false, status: res.status, error: statusLine(res) };
  } catch (err) {
    const e = err as Error;
    const error = isTimeout(err) ? `超时 / timed out after ${timeoutMs} ms` : `${e.message}${(e as { cause?: { code?: string } }).cause?.code ? ` (${(e as { cause?: { code?: string } }).cause!.code})` : ''}`;
    return { ok: false, status: null, error };
  }
}

export interface CallbackView {
  id: number;
  ticketId: number;
  clientCode: string;
  event: string;
  status: CallbackStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
  payload: string;
}

export async function listCallbacks(ctx: TicketsContext, filter: { clientCode?: string; ticketId?: number; limit?: number }): Promise<CallbackView[]> {
  const rows = await ctx.db.selectFrom('ticket_callbacks').selectAll()
    .$if(filter.clientCode !== undefined, (qb) => qb.where('client_code', '=', filter.clientCode!))
    .$if(filter.ticketId !== undefined, (qb) => qb.where('ticket_id', '=', filter.ticketId!))
    .orderBy('id', 'desc').limit(Math.min(filter.limit ?? 50, 200)).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    ticketId: Number(r.ticket_id),
    clientCode: r.client_code,
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
    lastHttpStatus: r.last_http_status,
    lastError: r.last_error,
    sentAt: r.sent_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    payload: r.payload,
  }));
}
