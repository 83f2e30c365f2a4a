import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/*
 * A new PGlite data directory is made (initdb) in a short-lived process of its own. PGlite runs
 * initdb as a second WebAssembly instance whose memory the server process would keep for the rest
 * of its life: the server's resident memory right after opening a new directory was about 870 MB,
 * after opening an existing one about 340 MB (docs/performance.md, Ingest: peak RSS).
 */

/** Whether `dir` holds no PGlite database yet (PostgreSQL writes PG_VERSION first into a data directory). */
export function needsInit(dir: string): boolean {
  return !existsSync(path.join(dir, 'PG_VERSION'));
}

const self = fileURLToPath(import.meta.url);

/** Runs initdb for `dir` in a child process (this file as its main module); rejects with its error output. */
export function initInChild(dir: string): Promise<void> {
  // From the sources (tests, benchmarks, `npm run dev`), the child needs tsx to load this .ts file.
  const execArgv = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return new Promise((resolve, reject) => {
    const child = fork(self, [dir], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let errors = '';
    child.stderr?.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`PGlite: creating the database in ${dir} failed (${signal ?? `exit ${code}`}): ${errors.trim()}`));
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const pglite = await PGlite.create(process.argv[2]!);
  await pglite.close();
}
