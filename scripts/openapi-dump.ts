/**
 * Writes the API's OpenAPI 3.1 document (the same as GET /api/openapi.json) to a file or stdout,
 * without a server: `npm run openapi:dump` → openapi.json, `npm run openapi:dump -- out.json`, or `-` for stdout.
 * The app is built on an empty in-memory database, which route registration never reads
 * (docs/architecture.md, "Schemas are the contract").
 */
import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { noticeOutbox } from '../src/modules/notifications/index.js';
import { systemClock } from '../src/platform/clock.js';
import { SecretBox } from '../src/platform/secret-box.js';

const out = process.argv[2] ?? 'openapi.json';
const config = { ...loadConfig({}, {}), dataDir: 'memory://', databaseUrl: null, logLevel: 'silent' as const, webDir: '/nonexistent' };
const database = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
const app = await buildApp({ config, database, db: database.kysely, clock: systemClock, secrets: new SecretBox('openapi-dump'), log: pino({ level: 'silent' }), notices: noticeOutbox });
try {
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  if (out === '-') process.stdout.write(text);
  else {
    writeFileSync(out, text);
    console.error(`OpenAPI document written to ${out}`);
  }
} finally {
  await app.close();
  await database.close();
}
