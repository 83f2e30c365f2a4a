import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { BackupEngine } from './backup-engine.js';
import { recordAudit, type AuditEntry } from './audit/record.js';
import type { Actor } from './auth/permissions.js';
import type { Clock } from './clock.js';
import type { JobRunSink } from './jobs.js';
import type { PlatformAlertSink } from './platform-alerts.js';
import type { NoticeOutbox } from './notices.js';
import type { AnyDb, Db } from './db.js';
import type { SecretBox } from './secret-box.js';

/**
 * What every service is built with. One per process; services are plain functions over it.
 * `T` is what `db` sees besides the platform's tables (src/platform/db.ts): the app root holds
 * the whole database (AppContext<DB>, src/schema.ts); a module works on AppContext<its tables>
 * (its repo.ts); a function other modules call takes the plain AppContext and narrows it.
 */
export interface AppContext<T = object> {
  config: Config;
  database: Database;
  db: Db<T>;
  clock: Clock;
  secrets: SecretBox;
  log: Logger;
  /** Where `notify` records notices: the notifications module's outbox (src/platform/notices.ts). */
  notices: NoticeOutbox;
  /** Where scheduled job runs are reported (the health module's recorder; none in most tests). */
  jobRuns?: JobRunSink;
  /** The server's own backups (src/db/backup through src/platform/backup-engine.ts); absent in most tests. */
  backups?: BackupEngine;
  /** Where modules report platform alerts about themselves (the health module's; src/platform/platform-alerts.ts). */
  platformAlerts?: PlatformAlertSink;
}

/** The same context with its handle narrowed to the tables `T` (a module's repo.ts states which). */
export function contextOf<T>(ctx: AppContext): AppContext<T> {
  return ctx as unknown as AppContext<T>;
}

/** Audit helper bound to a context: `audit(ctx, trx, actor, { action, ... })`. */
export function audit(ctx: AppContext, executor: AnyDb, actor: Actor, entry: AuditEntry): Promise<void> {
  return recordAudit(executor, ctx.clock, actor, entry);
}
