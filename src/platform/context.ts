import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { recordAudit, type AuditEntry } from './audit.js';
import type { Actor } from './auth/permissions.js';
import type { Clock } from './clock.js';
import type { SecretBox } from './secret-box.js';

/** What every service is built with. One per process; services are plain functions over it. */
export interface AppContext {
  config: Config;
  database: Database;
  db: Kysely<DB>;
  clock: Clock;
  secrets: SecretBox;
  log: Logger;
}

/** Audit helper bound to a context: `audit(trx, actor, { action, ... })`. */
export function audit(ctx: AppContext, executor: Kysely<DB>, actor: Actor, entry: AuditEntry): Promise<void> {
  return recordAudit(executor, ctx.clock, actor, entry);
}
