import { noticeOutbox } from '../../src/modules/notifications/index.js';
import type { DB, RootContext } from '../../src/schema.js';
import { tablesOf } from '../../src/platform/db.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { describe } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { backupEngine } from '../../src/db/backup/engine.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { ensureAdmin } from '../../src/modules/accounts/index.js';
import { platformAlertSink } from '../../src/modules/health/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { App } from '../../src/platform/http.js';
import { SecretBox } from '../../src/platform/secret-box.js';
import { refuseInUnitTier } from './tier.js';

refuseInUnitTier('test/support/backends.ts (a database)');

export type Backend = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when ZHIBO_TEST_DATABASE_URL points at a server. */
export const BACKENDS: Backend[] = process.env.ZHIBO_TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export const ADMIN_PASSWORD = 'Admin-Pass-1';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    databaseUrl: null,
    adminPassword: ADMIN_PASSWORD,
    tokenTtlMinutes: 60,
    loginMaxFailures: 5,
    loginAccountMaxFailures: 20,
    loginLockMinutes: 15,
    // Sign-in security (decision 0023): no captcha and no rate limit on sign-ins unless a test
    // turns them on (the lockout tests sign in wrongly many times), idle expiry off (tests move
    // the clock by hours); TOTP off, passwords do not expire, history as in production.
    loginCaptchaAfter: 0,
    loginRatePerMinute: 100_000,
    totpRequired: false,
    passwordMaxAgeDays: 0,
    passwordHistory: 5,
    sessionIdleMinutes: 0,
    logLevel: 'silent',
    webDir: '/nonexistent',
    trustProxy: [],
    staleSessionDays: 3,
    lateThresholdMinutes: 120,
    alertRemindMinutes: 60,
    problemSourceOutages: 3,
    plateSearchPerMinute: 30,
    publicRatePerMinute: 120,
    // The local stand-ins of robots, SMTP servers and callback receivers listen on loopback
    // (test/support/notification-receivers.ts); production allows nothing by default.
    outboundAllow: ['127.0.0.0/8', '::1'],
    ...overrides,
  };
}

export interface TestEnv {
  backend: Backend;
  ctx: RootContext;
  app: App;
  clock: ManualClock;
  serverErrors: string[];
  close(): Promise<void>;
}

/** An empty database of the backend: in-memory PGlite, or a new PostgreSQL database that `drop` removes. */
export async function createScratchDatabase(backend: Backend, opts: { replica?: TestReplicaOptions; pgliteDir?: string } = {}): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (backend === 'pglite') {
    const database = await openDatabase({ databaseUrl: null, dataDir: opts.pgliteDir ?? 'memory://' });
    return { database, drop: () => database.close() };
  }
  const { url, drop } = await createPostgresDatabase();
  const replica = opts.replica ? { url: opts.replica.url(new URL(url).pathname.slice(1)), maxLagSeconds: opts.replica.maxLagSeconds, clock: opts.replica.clock } : null;
  const database = await openDatabase({ databaseUrl: url, dataDir: '', replica });
  return {
    database,
    drop: async () => {
      await database.close();
      await drop();
    },
  };
}

/** A new, empty database on the PostgreSQL server of ZHIBO_TEST_DATABASE_URL; `drop` removes it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.ZHIBO_TEST_DATABASE_URL!;
  const name = `zhibo_test_${randomBytes(6).toString('hex')}`;
  const runAsAdmin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await runAsAdmin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => runAsAdmin(`drop database if exists ${name} with (force)`) };
}

/** A read replica for the scratch database (test/support/replica.ts): its URL for the database's name. */
export interface TestReplicaOptions {
  url: (dbName: string) => string;
  maxLagSeconds: number;
  clock?: ManualClock;
}

/** A fresh database of the backend, migrated, with admin, and the app built on it. */
export async function createTestEnv(
  backend: Backend,
  overrides: Partial<Config> = {},
  opts: { log?: Logger; replica?: Omit<TestReplicaOptions, 'clock'>; /** PGlite in this directory instead of memory. */ pgliteDir?: string } = {},
): Promise<TestEnv> {
  const clock = new ManualClock();
  const { database, drop } = await createScratchDatabase(backend, { replica: opts.replica ? { ...opts.replica, clock } : undefined, pgliteDir: opts.pgliteDir });
  await migrate(database);
  const config = testConfig(overrides);
  const ctx: RootContext = {
    config,
    database,
    db: tablesOf<DB>(database.kysely),
    clock,
    secrets: new SecretBox('test-key'),
    log: opts.log ?? pino({ level: 'silent' }),
    notices: noticeOutbox,
    backups: backupEngine,
    platformAlerts: platformAlertSink,
  };
  await ensureAdmin(ctx);
  const app = await buildApp(ctx);
  // Bad input must never produce a 500: every suite fails on close if one was served.
  const serverErrors: string[] = [];
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500 && reply.statusCode !== 503) serverErrors.push(`${req.method} ${req.url} → ${reply.statusCode}`);
  });
  await app.ready();
  return {
    backend,
    ctx,
    app,
    clock,
    serverErrors,
    close: async () => {
      await app.close();
      await drop();
      if (serverErrors.length) throw new Error(`the server answered 5xx: ${serverErrors.join('; ')}`);
    },
  };
}

/** `describe` once per backend: the same database suite runs on PGlite and PostgreSQL. */
export function describeDb(name: string, fn: (backend: Backend) => void): void {
  for (const backend of BACKENDS) describe(`${name} [${backend}]`, () => fn(backend));
}
