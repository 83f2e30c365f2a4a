import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { describe } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { ensureAdmin } from '../../src/modules/accounts/service.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { AppContext } from '../../src/platform/context.js';
import type { App } from '../../src/platform/http.js';
import { SecretBox } from '../../src/platform/secret-box.js';

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
    loginLockMinutes: 15,
    logLevel: 'silent',
    webDir: '/nonexistent',
    ...overrides,
  };
}

export interface TestEnv {
  backend: Backend;
  ctx: AppContext;
  app: App;
  clock: ManualClock;
  close(): Promise<void>;
}

/** A fresh database of the backend (a new PostgreSQL database, dropped on close), migrated, with admin. */
export async function createTestEnv(backend: Backend, overrides: Partial<Config> = {}): Promise<TestEnv> {
  let database: Database;
  let dropDatabase = async () => {};
  if (backend === 'postgres') {
    const adminUrl = process.env.ZHIBO_TEST_DATABASE_URL!;
    const name = `zhibo_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    database = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  } else {
    database = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
  }
  await migrate(database);
  const clock = new ManualClock();
  const config = testConfig(overrides);
  const ctx: AppContext = {
    config,
    database,
    db: database.kysely,
    clock,
    secrets: new SecretBox('test-key'),
    log: pino({ level: 'silent' }),
  };
  await ensureAdmin(ctx);
  const app = await buildApp(ctx);
  await app.ready();
  return {
    backend,
    ctx,
    app,
    clock,
    close: async () => {
      await app.close();
      await database.close();
      await dropDatabase();
    },
  };
}

/** `describe` once per backend: the same database suite runs on PGlite and PostgreSQL. */
export function describeDb(name: string, fn: (backend: Backend) => void): void {
  for (const backend of BACKENDS) describe(`${name} [${backend}]`, () => fn(backend));
}
