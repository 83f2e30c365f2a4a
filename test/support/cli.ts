import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { refuseInUnitTier } from './tier.js';

refuseInUnitTier('test/support/cli.ts (the built program)');

const BIN = fileURLToPath(new URL('../../bin/zhibo.js', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** CLI tests run the built program, as users do; `npm test` builds before testing. */
export function assertBuilt(): void {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before the CLI tests (npm test does).');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}, input?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ZHIBO_DATABASE_URL: '', ZHIBO_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    input,
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `zhibo serve` and resolves once it listens; returns the process and its base URL. */
export function startServer(args: string[], env: Record<string, string> = {}): Promise<{ proc: ChildProcess; url: string; output: () => string }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    env: { ...process.env, ZHIBO_DATABASE_URL: '', ZHIBO_LOG_LEVEL: 'info', ...env },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ proc, url: m[1]!, output: () => out });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/**
 * Starts `zhibo demo` (the demo city, then the server and the live simulator) and resolves once it
 * prints its address, i.e. once the console is open; returns the process and its base URL.
 */
export function startDemo(args: string[], env: Record<string, string> = {}): Promise<{ proc: ChildProcess; url: string; output: () => string }> {
  const proc = spawn(process.execPath, [BIN, 'demo', '--port', '0', ...args], {
    env: { ...process.env, ZHIBO_DATABASE_URL: '', ZHIBO_LOG_LEVEL: 'info', ...env },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /演示 \/ demo:\s+(http:\/\/[\d.:]+)\//.exec(out);
      if (m) resolve({ proc, url: m[1]!, output: () => out });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`demo exited with ${code}: ${out}`)));
  });
}

export function stopServer(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}
