import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { NODE_ID } from '../../platform/jobs.js';
import { DEFAULT_SEND_TIMEOUT_MS, openChannel } from './channels.js';
import { renderNotice } from './render.js';
import { outboundAllow } from '../../platform/outbound.js';
import { sendToChannel, type SendResult } from './senders.js';
import type { DeliveryStatus, Severity } from './tables.js';
import type { NotificationsContext } from './repo.js';

/*
 * The outbox worker. `notify` wrote one delivery row per channel in the caller's transaction;
 * here, after commit, rows that are due are claimed in one statement (FOR UPDATE SKIP LOCKED
 * plus a lease in `claimed_until`, so two app nodes, or two runs on one node, never take the
 * same row, and a node that dies mid-send frees its rows when the lease runs out), sent outside
 * any transaction, and their outcome recorded. Failures are retried after 1, 5, 15 and 60
 * minutes; the fifth failed attempt is final.
 */

export const RETRY_DELAYS_MINUTES = [1, 5, 15, 60] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MINUTES.length + 1;

export interface DeliverOptions {
  /** Rows claimed per run. */
  limit?: number;
  /** Per send. */
  timeoutMs?: number;
  /** Sends in flight at once. */
  concurrency?: number;
}

export interface DeliverReport {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  cancelled: number;
}

export async function deliverPending(ctx: NotificationsContext, opts: DeliverOptions = {}): Promise<DeliverReport> {
  const limit = opts.limit ?? 50;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const allow = outboundAllow(ctx.config.outboundAllow);
  const holder = `${NODE_ID}/${randomUUID().slice(0, 8)}`;
  const now = ctx.clock.now();
  // Long enough for the whole batch to go out one slot after another, with a wide margin.
  const leaseMs = Math.max(5 * 60_000, (Math.ceil(limit / concurrency) + 2) * timeoutMs);

  const claimed = await sql<{ id: number }>`
    update notification_deliveries set claimed_until = ${new Date(now.getTime() + leaseMs)}, claimed_by = ${holder}
    where id in (
      select id from notification_deliveries
      where status = 'pending' and next_attempt_at <= ${now} and (claimed_until is null or claimed_until <= ${now})
      order by next_attempt_at, id
      limit ${limit}
      for update skip locked)
    returning id`.execute(ctx.db);
  const report: DeliverReport = { claimed: claimed.rows.length, sent: 0, retrying: 0, failed: 0, cancelled: 0 };
  if (!claimed.rows.length) return report;

  const jobs = await ctx.db
    .selectFrom('notification_deliveries as d')
    .innerJoin('notifications as n', 'n.id', 'd.notification_id')
    .innerJoin('notification_channels as c', 'c.id', 'd.channel_id')
    .where('d.id', 'in', claimed.rows.map((r) => Number(r.id)))
    .where('d.claimed_by', '=', holder)
    .select([
      'd.id', 'd.attempts', 'd.channel_id',
      'n.kind', 'n.severity', 'n.title', 'n.body', 'n.title_en', 'n.body_en', 'n.link', 'n.district_code', 'n.created_at',
      'c.type', 'c.enabled', 'c.language', 'c.settings', 'c.secrets_sealed',
    ])
    .orderBy('d.id')
    .execute();

  const finish = async (id: number, attempts: number, result: SendResult | 'cancelled') => {
    const at = ctx.clock.now();
    const base = ctx.db.updateTable('notification_deliveries').where('id', '=', id).where('claimed_by', '=', holder);
    if (result === 'cancelled') {
      report.cancelled++;
      await base.set({ status: 'cancelled', last_error: '渠道已停用', claimed_until: null, claimed_by: null }).execute();
      return;
    }
    const tries = attempts + 1;
    if (result.ok) {
      report.sent++;
      await base.set({ status: 'sent', attempts: tries, sent_at: at, last_attempt_at: at, last_error: null, claimed_until: null, claimed_by: null }).execute();
      return;
    }
    const error = (result.error ?? 'failed').slice(0, 1000);
    const final = tries >= MAX_ATTEMPTS;
    if (final) report.failed++;
    else report.retrying++;
    ctx.log.warn({ deliveryId: id, attempts: tries, final, error }, 'notification delivery failed');
    await base
      .set({
        status: final ? 'failed' : 'pending',
        attempts: tries,
        last_attempt_at: at,
        last_error: error,
        next_attempt_at: final ? at : new Date(at.getTime() + RETRY_DELAYS_MINUTES[tries - 1]! * 60_000),
        claimed_until: null,
        claimed_by: null,
      })
      .execute();
  };

  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      if (!job.enabled) {
        await finish(job.id, job.attempts, 'cancelled');
        continue;
      }
      let result: SendResult;
      try {
        // In the channel's language: English when it reads English and the notice has it.
        const en = job.language === 'en' && job.title_en !== null;
        const message = renderNotice(
          {
            kind: job.kind, severity: job.severity, title: en ? job.title_en! : job.title, body: en ? (job.body_en ?? '') : job.body,
            link: job.link, districtCode: job.district_code, createdAt: job.created_at,
          },
          ctx.config.publicUrl,
          job.language,
        );
        result = await sendToChannel(openChannel(ctx, job), message, { timeoutMs, now: ctx.clock.now(), allow });
      } catch {
        // A channel whose secrets cannot be opened (platform key changed): retried, then failed.
        result = { ok: false, answer: '', error: '无法读取渠道密钥（平台密钥是否更换？）' };
      }
      await finish(job.id, job.attempts, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return report;
}

/** Deletes notices (with their read marks and deliveries) older than `days`. */
export async function pruneNotifications(ctx: NotificationsContext, days = 180): Promise<number> {
  const cutoff = new Date(ctx.clock.now().getTime() - days * 86_400_000);
  const result = await ctx.db.deleteFrom('notifications').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface DeliveryView {
  id: number;
  notificationId: number;
  kind: string;
  severity: Severity;
  title: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}

/** A channel's latest deliveries, newest first. The caller has checked the channel is visible. */
export async function listDeliveries(ctx: NotificationsContext, channelId: number, limit = 50): Promise<DeliveryView[]> {
  const rows = await ctx.db
    .selectFrom('notification_deliveries as d')
    .innerJoin('notifications as n', 'n.id', 'd.notification_id')
    .where('d.channel_id', '=', channelId)
    .select(['d.id', 'd.notification_id', 'n.kind', 'n.severity', 'n.title', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_attempt_at', 'd.last_error', 'd.sent_at', 'd.created_at'])
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    notificationId: Number(r.notification_id),
    kind: r.kind,
    severity: r.severity,
    title: r.title,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
    lastError: r.last_error,
    sentAt: r.sent_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
  }));
}
