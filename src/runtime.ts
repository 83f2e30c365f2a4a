import { platformAlertSink, recordJobRun } from './modules/health/index.js';
import { noticeOutbox } from './modules/notifications/index.js';
import { chmodSync, existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';
import { lockDataDir } from './db/data-dir-lock.js';
import { backupEngine } from './db/backup/engine.js';
import { openDatabase, privateDir } from './db/database.js';
import { migrate } from './db/migrate.js';
import { watchReplica } from './replica-watch.js';
import { onUncoveredYear, uncoveredYearNotice } from './platform/calendar/days.js';
import { systemClock, type Clock } from './platform/clock.js';
import { tablesOf } from './platform/db.js';
import type { DB, RootContext } from './schema.js';
import { serializeRequest } from './platform/log-redaction.js';
import { SecretBox } from './platform/secret-box.js';
import { wireListeners } from './wiring.js';

export interface Runtime {
  ctx: RootContext;
  /** Migrations this start applied. */
  applied: string[];
  close(): Promise<void>;
}

/** The process logger; `destination` (default stdout) lets tests read what would be logged. */
export function createLogger(config: Config, pretty = false, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    // Never log credentials or signing material.
    redact: { paths: ['req.headers.authorization', 'req.headers["x-zhibo-signature"]', '*.password', '*.secret', '*.token'], censor: '[redacted]' },
    // Nor citizens' link tokens in paths, nor plates, phones and codes in query strings.
    serializers: { req: serializeRequest },
    ...(pretty && process.stdout.isTTY && !destination ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:yyyy-mm-dd HH:MM:ss' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The key that seals data-source secrets: ZHIBO_SECRET_KEY, else a key file kept in the data directory. */
function platformKey(config: Config): string {
  if (process.env.ZHIBO_SECRET_KEY) return process.env.ZHIBO_SECRET_KEY;
  const file = path.join(config.dataDir, 'platform.key');
  if (!existsSync(file)) {
    privateDir(config.dataDir);
    // Created 0600 in one step: the key is never readable by others, not even for a moment.
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  }
  if (lstatSync(file).mode & 0o077) chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/**
 * Opens the database (taking the data-directory lock for PGlite), applies migrations, and
 * returns the context every service runs on.
 */
export async function openRuntime(config: Config, opts: { log?: Logger; clock?: Clock } = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config);
  const unlock = config.databaseUrl ? () => {} : (privateDir(config.dataDir), lockDataDir(config.dataDir));
  try {
    const clock = opts.clock ?? systemClock;
    const replica = config.databaseUrl && config.replicaUrl ? { url: config.replicaUrl, maxLagSeconds: config.replicaMaxLagSeconds ?? 30, clock } : null;
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite'), log, replica });
    let applied: string[];
    try {
      applied = await migrate(database);
    } catch (err) {
      await database.close();
      throw err;
    }
    const ctx: RootContext = {
      config,
      database,
      db: tablesOf<DB>(database.kysely),
      clock,
      secrets: new SecretBox(platformKey(config)),
      log,
      notices: noticeOutbox,
      // Every job run lands in health_job_state (GET /metrics, the health.watch job).
      jobRuns: recordJobRun,
      // The security module's scheduled backups and restore tests (docs/security-operations.md).
      backups: backupEngine,
      // Modules report their own failures (a backup, a restore test) as platform alerts.
      platformAlerts: platformAlertSink,
    };
    wireListeners(ctx);
    const replicaWatch = watchReplica(ctx);
    // Said once, when a deadline first lands in a year without holiday data (decision 0004).
    const quiet = onUncoveredYear((year, coverage) => log.warn({ year, coverage }, uncoveredYearNotice(year, coverage)));
    return {
      ctx,
      applied,
      close: async () => {
        quiet();
        replicaWatch.stop();
        await database.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
