import mysql from 'mysql2/promise';
import pg from 'pg';
import { Type, type Static } from 'typebox';
import type { Cursor } from '../tables.js';
import { SourceError, type Adapter, type Page } from './types.js';

/*
 * Database table polling (docs/数据对接.md §2.2): read-only over PostgreSQL (pg) or
 * MySQL/MariaDB (mysql2), by an increasing id, or by an update time with the id breaking ties
 * (keyset paging: `(t, id) > (cursor.t, cursor.id)`), so that no row is read twice in one pass
 * nor skipped at a page boundary. Times are read as the text the database holds (no driver
 * time-zone guess); the mapping's zone says what they mean.
 */

const Ident = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', description: '标识符 / an identifier' });

export const DatabaseConfigSchema = Type.Object({
  engine: Type.Union([Type.Literal('postgres'), Type.Literal('mysql')]),
  host: Type.String({ minLength: 1, maxLength: 255 }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  database: Type.String({ minLength: 1, maxLength: 64 }),
  user: Type.String({ minLength: 1, maxLength: 64 }),
  schema: Type.Optional(Ident),
  table: Ident,
  cursorMode: Type.Union([Type.Literal('id'), Type.Literal('time')], { description: 'id：按递增编号；time：按更新时间（编号决定同一时间的先后） / by increasing id, or by update time with the id breaking ties' }),
  idColumn: Ident,
  timeColumn: Type.Optional(Ident),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
}, { additionalProperties: false });
export type DatabaseConfig = Static<typeof DatabaseConfigSchema>;

export const DatabaseSecretsSchema = Type.Object({ password: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: false });
export type DatabaseSecrets = Static<typeof DatabaseSecretsSchema>;

const CONNECT_TIMEOUT_MS = 10_000;

/** Cursor of a row: its id (and time in time mode), as the database gave them. */
function rowCursor(config: DatabaseConfig, row: Record<string, unknown>): Cursor {
  const id = row[config.idColumn];
  const plain = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? v : v === null || v === undefined ? null : String(v));
  return config.cursorMode === 'time' ? { t: plain(row[config.timeColumn!]), id: plain(id) } : { id: plain(id) };
}

function pageOf(config: DatabaseConfig, rows: Record<string, unknown>[], cursor: Cursor | null, limit: number): Page {
  const last = rows.at(-1);
  return { records: rows, next: last ? rowCursor(config, last) : cursor, more: rows.length >= limit };
}

function checkConfig(config: DatabaseConfig): void {
  if (config.cursorMode === 'time' && !config.timeColumn) throw new SourceError('按时间读取须给出 timeColumn / time mode needs timeColumn', 'CONFIG_INVALID');
}

/** The keyset condition and order for one engine (q quotes identifiers, p numbers placeholders). */
function keyset(config: DatabaseConfig, cursor: Cursor | null, q: (s: string) => string, p: (i: number) => string): { where: string; params: unknown[]; order: string } {
  const id = q(config.idColumn);
  if (config.cursorMode === 'id') {
    return cursor?.id != null ? { where: `where ${id} > ${p(1)}`, params: [cursor.id], order: `order by ${id}` } : { where: '', params: [], order: `order by ${id}` };
  }
  const t = q(config.timeColumn!);
  const order = `order by ${t}, ${id}`;
  if (cursor?.t == null) return { where: `where ${t} is not null`, params: [], order };
  return { where: `where ${t} > ${p(1)} or (${t} = ${p(2)} and ${id} > ${p(3)})`, params: [cursor.t, cursor.t, cursor.id], order };
}

async function mysqlAdapter(config: DatabaseConfig, secrets: DatabaseSecrets): Promise<Adapter> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      host: config.host, port: config.port ?? 3306, user: config.user, password: secrets.password ?? '', database: config.database,
      connectTimeout: CONNECT_TIMEOUT_MS, dateStrings: true, supportBigNumbers: true, bigNumberStrings: false, charset: 'utf8mb4',
    });
    await conn.query('SET SESSION TRANSACTION READ ONLY');
  } catch (err) {
    throw new SourceError(`无法连接数据库 / cannot connect: ${(err as Error).message}`);
  }
  const q = (s: string) => `\`${s}\``;
  const table = config.schema ? `${q(config.schema)}.${q(config.table)}` : q(config.table);
  return {
    async fetch(cursor, limit) {
      const k = keyset(config, cursor, q, () => '?');
      try {
        const [rows] = await conn.query(`select * from ${table} ${k.where} ${k.order} limit ${Number(limit)}`, k.params);
        return pageOf(config, rows as Record<string, unknown>[], cursor, limit);
      } catch (err) {
        throw new SourceError(`读取失败 / read failed: ${(err as Error).message}`);
      }
    },
    close: () => conn.end().catch(() => undefined),
  };
}

async function postgresAdapter(config: DatabaseConfig, secrets: DatabaseSecrets): Promise<Adapter> {
  // Times as the text stored (1114 timestamp, 1184 timestamptz, 1082 date): the mapping reads them.
  const text = (v: string) => v;
  const types = { getTypeParser: ((oid: number, format?: 'text' | 'binary') => ([1114, 1184, 1082].includes(oid) ? text : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser };
  const client = new pg.Client({
    host: config.host, port: config.port ?? 5432, user: config.user, password: secrets.password ?? '', database: config.database,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS, options: '-c default_transaction_read_only=on', types,
  });
  client.on('error', () => undefined); // a broken connection fails the next query, which reports it
  try {
    await client.connect();
  } catch (err) {
    throw new SourceError(`无法连接数据库 / cannot connect: ${(err as Error).message}`);
  }
  const q = (s: string) => `"${s}"`;
  const table = config.schema ? `${q(config.schema)}.${q(config.table)}` : q(config.table);
  return {
    async fetch(cursor, limit) {
      const k = keyset(config, cursor, q, (i) => `$${i}`);
      try {
        const r = await client.query(`select * from ${table} ${k.where} ${k.order} limit ${Number(limit)}`, k.params);
        return pageOf(config, r.rows as Record<string, unknown>[], cursor, limit);
      } catch (err) {
        throw new SourceError(`读取失败 / read failed: ${(err as Error).message}`);
      }
    },
    close: () => client.end().catch(() => undefined),
  };
}

export function openDatabaseAdapter(config: DatabaseConfig, secrets: DatabaseSecrets): Promise<Adapter> {
  checkConfig(config);
  return config.engine === 'mysql' ? mysqlAdapter(config, secrets) : postgresAdapter(config, secrets);
}
