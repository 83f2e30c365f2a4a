import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BackupFileError } from './tar.js';

/*
 * pg_dump and pg_restore of the server's major version (docs/decisions/0015-backup-format.md):
 * ZHIBO_PG_BIN_DIR when set, else /usr/lib/postgresql/<major>/bin (Debian, Ubuntu), else the
 * ones on PATH if they are of that major version or newer. The password travels in PGPASSWORD,
 * never on the command line.
 */

export class ToolError extends Error {}

function versionOf(bin: string): number | null {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const m = /(\d+)(?:\.\d+)?/.exec(r.stdout ?? '');
  return r.status === 0 && m ? Number(m[1]) : null;
}

export function findPgTool(tool: 'pg_dump' | 'pg_restore', serverMajor: number, binDir?: string | null): string {
  const candidates = [
    ...(binDir ? [path.join(binDir, tool)] : []),
    `/usr/lib/postgresql/${serverMajor}/bin/${tool}`,
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  const onPath = versionOf(tool);
  if (onPath !== null && onPath >= serverMajor) return tool;
  throw new ToolError(`找不到 PostgreSQL ${serverMajor} 的 ${tool}：请安装 postgresql-client-${serverMajor}，或用 ZHIBO_PG_BIN_DIR 指定其目录 / `
    + `no ${tool} for PostgreSQL ${serverMajor}: install postgresql-client-${serverMajor} or set ZHIBO_PG_BIN_DIR`);
}

/** The URL without its password, and the environment that carries the password. */
export function connectionArgs(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

export function runTool(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 8000) err += c.toString();
    });
    child.on('error', (e) => reject(new ToolError(`${path.basename(bin)}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new BackupFileError(`${path.basename(bin)} 失败（退出码 ${code}） / ${path.basename(bin)} failed (exit ${code}): ${err.trim().slice(0, 2000)}`));
    });
  });
}
