import type { Permission } from './auth/permissions.js';
import type { AppContext } from './context.js';
import type { AnyDb } from './db.js';

/*
 * Notices, as every module raises them (docs/architecture.md, "Notifications"): a module calls
 * `notify(ctx, trx, notice)` inside the transaction of the change that caused it. Like the audit
 * log, every module writes notices, so the call lives below all of them, here; the notifications
 * module (src/modules/notifications) is what stores, addresses and delivers them, and the app
 * root puts it into the context (`ctx.notices`). No module imports the notifications module
 * to raise a notice, so notifications may itself read the accounts it addresses.
 */

export type NoticeSeverity = 'info' | 'warning' | 'critical';

export interface Notice {
  /** What happened, dotted: 'monitoring.alert.opened', 'tickets.assigned', 'sla.breached' … */
  kind: string;
  severity: NoticeSeverity;
  /** One line, in Chinese only (what a Chinese console and channel show). */
  title: string;
  /** Plain text in Chinese (Markdown allowed for robots), no secrets, plates masked. */
  body: string;
  /**
   * The same in English, for a console in English and channels whose recipients read English
   * (a channel's `language`); without it they get the Chinese text.
   */
  en?: { title: string; body: string };
  /** Console path to open, e.g. '/monitoring?alert=12'. */
  link?: string;
  /** District the subject belongs to; district users only see their own. Null: city-wide. */
  districtCode?: string | null;
  /**
   * Who should see it in the console: users holding this permission and/or these usernames.
   * Without `audience`, or with neither field set, the permission is 'ops'; with only
   * `usernames`, only those users (an assignment notice does not go to every ops engineer).
   */
  audience?: { permission?: Permission; usernames?: string[] };
  /** Send to the external channels too (default true); false keeps it in the console only. */
  external?: boolean;
  /**
   * Exactly these channels (those of them enabled), whatever their severity, kind and district
   * filters: a report schedule's chosen recipients. Without it, every channel whose filters accept it.
   */
  channelIds?: number[];
}

/** Where notices go: provided by the notifications module, put into the context by the app root. */
export interface NoticeOutbox {
  /** Records the notice in `executor` (the caller's transaction) and queues its delivery. */
  notify(ctx: AppContext, executor: AnyDb, notice: Notice): Promise<void>;
}

/**
 * Records a notice in `executor`, usually the caller's transaction, so a rolled-back change
 * leaves no notice; delivery to the channels happens after commit.
 */
export function notify(ctx: AppContext, executor: AnyDb, notice: Notice): Promise<void> {
  return ctx.notices.notify(ctx, executor, notice);
}
