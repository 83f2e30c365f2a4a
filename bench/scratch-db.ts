import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A new, empty database for one bench run on the PostgreSQL server of `adminUrl` (a database the
 * bench may create others from); `drop` removes it, connections and all.
 */
export async function scratchPostgres(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `zhibo_bench_${randomBytes(4).toString('hex')}`;
  const run = async (statement: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
