import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, appendFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { refuseInUnitTier } from './tier.js';

refuseInUnitTier('test/support/replica.ts (a PostgreSQL replica)');

/*
 * A real streaming replica of the test PostgreSQL server (ZHIBO_TEST_DATABASE_URL), made by the
 * test itself: pg_basebackup -R of the primary into a temporary directory, started by pg_ctl on a
 * free port, stopped and removed at the end. Debian's PostgreSQL keeps its configuration in
 * /etc/postgresql, outside the data directory, so the copy gets a small postgresql.conf and
 * pg_hba.conf of its own. PostgreSQL refuses to run as root: as root, the server binaries run as
 * the `postgres` user (runuser). The primary needs wal_level replica (or logical), free WAL
 * senders and a pg_hba line for replication connections from 127.0.0.1: the first two are
 * PostgreSQL's defaults (changing them needs a restart, which a test does not do: it stops with
 * the reason); the third is added here (and by .ci/run) and takes effect with pg_reload_conf().
 * docs/deployment.md §4 describes the same setup for production.
 */

export interface TestReplica {
  /** postgres:// URL of the replica for the database `dbName` given to `url`. */
  url(dbName: string): string;
  port: number;
  dir: string;
  /** Stops the replica at once (pg_ctl stop -m immediate): its connections drop mid-query. */
  kill(): void;
  /** Until the replica has replayed everything the primary had written when this was called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Starts it again after `kill` (it recovers and streams on from where it stopped). */
  restart(): void;
  /** Stops it if running and deletes its directory. */
  remove(): void;
}

/** The server binaries of the primary's major version, or why there are none (the only reason to skip). */
export async function replicaBinaries(adminUrl: string): Promise<{ bin: string } | { missing: string }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const major = Math.floor(Number((await client.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]!.v) / 10000);
    const bin = `/usr/lib/postgresql/${major}/bin`;
    for (const tool of ['pg_basebackup', 'pg_ctl', 'postgres']) {
      if (!existsSync(path.join(bin, tool))) return { missing: `${path.join(bin, tool)} is not installed (apt-get install postgresql-${major})` };
    }
    return { bin };
  } finally {
    await client.end();
  }
}

const HBA_LINE = 'host replication all 127.0.0.1/32 trust';

/**
 * Makes the primary accept a replication connection from 127.0.0.1: adds HBA_LINE to its
 * pg_hba.conf when no replication line for 127.0.0.1 is there, then reloads. Idempotent.
 */
export async function allowReplication(admin: pg.Client): Promise<void> {
  const setting = async (name: string) => (await admin.query<{ v: string }>(`select current_setting($1) as v`, [name])).rows[0]!.v;
  const walLevel = await setting('wal_level');
  if (walLevel === 'minimal') throw new Error('the primary runs with wal_level = minimal: set wal_level = replica and restart it (a reload is not enough)');
  if (Number(await setting('max_wal_senders')) < 2) throw new Error('the primary has max_wal_senders < 2: raise it and restart it (a reload is not enough)');
  const hba = await setting('hba_file');
  const text = readFileSync(hba, 'utf8');
  const has = text.split('\n').some((l) => /^\s*host\s+replication\s+(all|postgres)\s+127\.0\.0\.1\/32\s+trust\b/.test(l));
  if (!has) {
    appendFileSync(hba, `${text.endsWith('\n') ? '' : '\n'}# zhibo tests: streaming replica on this machine (test/support/replica.ts, .ci/run)\n${HBA_LINE}\n`);
    await admin.query('select pg_reload_conf()');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** Runs a server binary, as the postgres user when we are root. */
function run(bin: string, tool: string, args: string[]): string {
  const file = path.join(bin, tool);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`, { cause: err });
  }
}

/** Makes and starts a streaming replica of the server of `adminUrl` (a superuser URL on 127.0.0.1). */
export async function startReplica(adminUrl: string, bin: string): Promise<TestReplica> {
  const primary = new URL(adminUrl);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // A hot standby needs these at least as high as the primary's (PostgreSQL refuses to recover otherwise).
  const MATCHED = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];
  let matched: string[];
  try {
    await allowReplication(admin);
    matched = (await admin.query<{ name: string; setting: string }>('select name, setting from pg_settings where name = any($1)', [MATCHED])).rows.map((r) => `${r.name} = ${r.setting}`);
  } finally {
    await admin.end();
  }
  const parent = mkdtempSync(path.join(tmpdir(), 'zhibo-replica-'));
  const dir = path.join(parent, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(parent, uid, gid);
  }
  const port = await freePort();
  let running = false;
  const stop = () => {
    if (!running) return;
    running = false;
    run(bin, 'pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']);
  };
  const start = () => {
    run(bin, 'pg_ctl', ['-D', dir, '-l', path.join(parent, 'log'), '-w', '-t', '60', 'start']);
    running = true;
  };
  const remove = () => {
    try {
      stop();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  };
  try {
    run(bin, 'pg_basebackup', ['-h', primary.hostname, '-p', primary.port || '5432', '-U', decodeURIComponent(primary.username || 'postgres'), '-D', dir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
    // Debian keeps these two outside the data directory; the copy needs its own.
    writeFileSync(path.join(dir, 'postgresql.conf'), [
      `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${parent}'`, 'hot_standby = on',
      ...matched, 'shared_buffers = 32MB', 'fsync = off', 'logging_collector = off', '',
    ].join('\n'));
    writeFileSync(path.join(dir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    writeFileSync(path.join(dir, 'pg_ident.conf'), '');
    // What the primary set with ALTER SYSTEM (port among it) is not the replica's business.
    writeFileSync(path.join(dir, 'postgresql.auto.conf'), readFileSync(path.join(dir, 'postgresql.auto.conf'), 'utf8')
      .split('\n').filter((l) => /^\s*(primary_conninfo|primary_slot_name|restore_command)\b/.test(l)).join('\n') + '\n');
    if (asRoot) for (const f of readdirSync(dir)) if (f.endsWith('.conf')) execFileSync('chown', ['postgres:postgres', path.join(dir, f)]);
    start();
  } catch (err) {
    const log = existsSync(path.join(parent, 'log')) ? readFileSync(path.join(parent, 'log'), 'utf8').slice(-2000) : '';
    remove();
    throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
  }

  const url = (dbName: string) => {
    const u = new URL(adminUrl);
    u.port = String(port);
    u.hostname = '127.0.0.1';
    u.pathname = `/${dbName}`;
    return u.toString();
  };
  return {
    url,
    port,
    dir,
    kill: stop,
    restart: start,
    remove,
    async caughtUp(timeoutMs = 60_000) {
      const p = new pg.Client({ connectionString: adminUrl });
      const r = new pg.Client({ connectionString: url('postgres') });
      await p.connect();
      await r.connect();
      try {
        const target = (await p.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
        const end = Date.now() + timeoutMs;
        for (;;) {
          const done = (await r.query<{ ok: boolean }>('select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as ok', [target])).rows[0]!.ok;
          if (done) return;
          if (Date.now() > end) throw new Error(`the replica did not replay up to ${target} within ${timeoutMs} ms`);
          await new Promise((res) => setTimeout(res, 50));
        }
      } finally {
        await p.end();
        await r.end();
      }
    },
  };
}
