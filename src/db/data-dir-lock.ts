import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The embedded database belongs to one process. The server holds `zhibo.lock` in the data
 * directory; any other process (a second server, a CLI command) refuses to open the directory.
 */
export class DataDirBusyError extends Error {
  constructor(dataDir: string, readonly pid: number) {
    super(
      `数据目录 ${dataDir} 正被进程 ${pid} 使用（zhibo serve）。请先停止该服务，或对 PostgreSQL 使用 ZHIBO_DATABASE_URL。\n` +
        `data directory ${dataDir} is held by process ${pid}; stop that server first (or use ZHIBO_DATABASE_URL with PostgreSQL)`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock, or throws DataDirBusyError. A lock left by a dead process is taken over. */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'zhibo.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(JSON.parse(readFileSync(file, 'utf8')).pid) || 0;
      } catch {
        /* half-written lock: treat as stale */
      }
      if (holder && holder !== process.pid && alive(holder)) throw new DataDirBusyError(dataDir, holder);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot take ${file}`);
}
