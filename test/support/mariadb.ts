import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/*
 * A scratch database on the machine's MariaDB for the connectors' database-polling tests
 * (.ci/run starts MariaDB; ZHIBO_TEST_MYSQL_URL, default root on 127.0.0.1:3306). Each test makes
 * its own database and drops it.
 */

const URL_TEXT = process.env.ZHIBO_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';

export interface MariaScratch {
  host: string;
  port: number;
  database: string;
  /** A reader made for the test: SELECT on this database only, with a password. */
  reader: { user: string; password: string };
  /** The test's own connection (root), to write the source table. */
  conn: mysql.Connection;
  drop(): Promise<void>;
}

export async function createMariaDatabase(): Promise<MariaScratch> {
  const u = new URL(URL_TEXT);
  const base = { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) };
  const database = `zhibo_t_${randomBytes(5).toString('hex')}`;
  const reader = { user: database, password: `Rd-${randomBytes(8).toString('hex')}` };
  const admin = await mysql.createConnection({ ...base, database: u.pathname.slice(1) || 'test' });
  await admin.query(`create database \`${database}\` character set utf8mb4`);
  await admin.query(`create user ?@'%' identified by ?`, [reader.user, reader.password]);
  await admin.query(`grant select on \`${database}\`.* to ?@'%'`, [reader.user]);
  await admin.end();
  const conn = await mysql.createConnection({ ...base, database, dateStrings: true, charset: 'utf8mb4' });
  return {
    host: base.host,
    port: base.port,
    database,
    reader,
    conn,
    drop: async () => {
      await conn.query(`drop database if exists \`${database}\``);
      await conn.query(`drop user if exists ?@'%'`, [reader.user]);
      await conn.end();
    },
  };
}
