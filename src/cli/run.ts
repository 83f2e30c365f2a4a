import { ConfigError, loadConfig, type ConfigFlags } from '../config.js';
import { DataDirBusyError } from '../db/data-dir-lock.js';
import { MigrationError } from '../db/migrate.js';
import { AppError } from '../platform/errors.js';
import { createLogger, openRuntime, type Runtime } from '../runtime.js';

/** Global flags every command accepts. */
export interface GlobalOpts extends ConfigFlags {
  logLevel?: string;
}

/** Runs a CLI command against an opened runtime and closes it; known failures print a message, no stack. */
export async function withRuntime(opts: GlobalOpts, fn: (rt: Runtime) => Promise<number | void>): Promise<void> {
  let rt: Runtime | null = null;
  try {
    const config = loadConfig(process.env, opts);
    // CLI commands log warnings only: their output is for people and scripts.
    rt = await openRuntime(config, { log: createLogger({ ...config, logLevel: 'warn' }) });
    const code = await fn(rt);
    process.exitCode = code ?? 0;
  } catch (err) {
    process.exitCode = reportCliError(err);
  } finally {
    await rt?.close();
  }
}

/** Prints a known error as one clear message and returns the exit code; unknown errors keep their stack. */
export function reportCliError(err: unknown): number {
  if (err instanceof ConfigError || err instanceof DataDirBusyError || err instanceof MigrationError) {
    console.error(`zhibo: ${err.message}`);
    return 2;
  }
  if (err instanceof AppError) {
    console.error(`zhibo: ${err.code}: ${err.message}`);
    return 1;
  }
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === '3D000' || e?.code === '28P01') {
    console.error(`zhibo: 无法连接数据库 / cannot connect to the database: ${e.message}`);
    return 2;
  }
  console.error(err);
  return 1;
}
