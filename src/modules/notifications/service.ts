import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Permission } from '../../platform/auth/permissions.js';
import type { AppContext } from '../../platform/context.js';

/*
 * The notification layer shared by monitoring, work orders and incidents.
 * CONTRACT (other modules code against this; the notifications module fills in the body):
 * `notify` records the notice for the console inside the caller's transaction and queues its
 * delivery to the configured channels (e-mail, WeCom and DingTalk robots); delivery happens
 * after commit, with retries, so a slow or failing webhook never fails or delays the caller.
 */

export type NoticeSeverity = 'info' | 'warning' | 'critical';

export interface Notice {
  /** What happened, dotted: 'monitoring.alert.opened', 'tickets.assigned', 'sla.breached' … */
  kind: string;
  severity: NoticeSeverity;
  /** One line, Chinese first. */
  title: string;
  /** Plain text (Markdown allowed for robots), no secrets, plates masked. */
  body: string;
  /** Console path to open, e.g. '/monitoring?alert=12'. */
  link?: string;
  /** District the subject belongs to; district users only see their own. Null: city-wide. */
  districtCode?: string | null;
  /** Who should see it in the console: users holding this permission (default 'ops') and/or these usernames. */
  audience?: { permission?: Permission; usernames?: string[] };
  /** Send to the external channels too (default true); false keeps it in the console only. */
  external?: boolean;
}

/** Records a notice (in `executor`, usually the caller's transaction) and queues its delivery. */
export async function notify(ctx: AppContext, executor: Kysely<DB>, notice: Notice): Promise<void> {
  // Filled in by the notifications module (being built now).
  void ctx;
  void executor;
  void notice;
}
