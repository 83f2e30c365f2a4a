import type { Logger } from 'pino';
import { buildApp } from '../app.js';
import { startJobs } from '../jobs.js';
import { settledBackupWork } from '../modules/security/index.js';
import { loadConfig } from '../config.js';
import { ensureAdmin } from '../modules/accounts/index.js';
import { createLogger, openRuntime, type Runtime } from '../runtime.js';
import { isDatabaseUnavailable } from '../platform/errors.js';
import { reportCliError, type GlobalOpts } from './run.js';

export interface ServeOptions {
  /** Runs after start-up, before listening. */
  beforeListen?: (rt: Runtime) => Promise<void>;
  /** Runs once listening, in the background. */
  afterListen?: (rt: Runtime, address: string) => void;
}

/** `zhibo serve`: migrate, create the first admin, listen; stops cleanly on SIGINT/SIGTERM. */
export async function serve(opts: GlobalOpts, serveOpts: ServeOptions = {}): Promise<void> {
  let rt: Runtime | null = null;
  try {
    const config = loadConfig(process.env, opts);
    rt = await openRuntime(config, { log: createLogger(config, true) });
    const { ctx } = rt;
    lastResort(ctx.log);
    const admin = await ensureAdmin(ctx);
    if (admin.generatedPassword) {
      // Printed once, to the terminal only (not the log): the operator must note it now.
      process.stdout.write(`\n  首次启动：管理员账号 admin 的初始密码 / first start, password of user admin:\n\n      ${admin.generatedPassword}\n\n`);
    }
    await serveOpts.beforeListen?.(rt);
    const app = await buildApp(ctx);
    const address = await app.listen({ port: config.port, host: config.host });
    ctx.log.info(`智泊 Zhibo listening on ${address} (database: ${ctx.database.kind}); console at ${address}/ , API docs at ${address}/api/docs`);
    const jobs = startJobs(ctx);
    serveOpts.afterListen?.(rt, address.replace('0.0.0.0', '127.0.0.1'));
    const running = rt;
    const stop = async () => {
      for (const job of jobs) job.stop();
      await app.close();
      // A "backup now" or "verify now" under way finishes (and records its outcome) before the database closes.
      await settledBackupWork();
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    await rt?.close();
    process.exitCode = reportCliError(err);
  }
}

/**
 * Last resort only: database errors are handled where they happen (requests answer 503, jobs
 * wait for their next tick, lost connections are discarded; docs/architecture.md "Errors").
 * Should one still escape, the node keeps serving, since the next request finds the database
 * back; it is logged as the bug it is. Anything else still ends the process, as by default.
 */
function lastResort(log: Logger): void {
  const escaped = (kind: string) => (err: unknown) => {
    if (isDatabaseUnavailable(err)) {
      log.error({ code: (err as { code?: string }).code, reason: (err as Error).message, kind }, 'database error escaped its handler (kept running)');
      return;
    }
    log.fatal({ err, kind }, 'stopping');
    console.error(err);
    process.exit(1);
  };
  process.on('uncaughtException', escaped('uncaughtException'));
  process.on('unhandledRejection', escaped('unhandledRejection'));
}
