import path from 'node:path';
import type { Command } from 'commander';
import { seedSampleRegistry } from '../modules/registry/index.js';
import { formatReport, runSimulation } from '../modules/simulator/index.js';
import { recordedHistory } from '../modules/ingest/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { GlobalOpts } from './run.js';
import { serve } from './serve.js';

/** Demo admin password when none is set: the demo is for looking around on one's own machine. */
const DEMO_ADMIN_PASSWORD = 'Zhibo-Demo-2026';

interface DemoFlags {
  port?: string;
  lots: string;
  backfillDays: string;
  simulate: boolean;
}

export function registerDemoCommand(program: Command, globals: () => GlobalOpts): void {
  program
    .command('demo')
    .description('演示：示例数据、历史回填与实时模拟 + 控制台 / demo: sample data, backfilled history, live simulation and the console')
    .option('--port <port>', 'port (ZHIBO_PORT, default 8080)')
    .option('--lots <n>', 'simulated lots', '300')
    .option('--backfill-days <days>', 'days of history to simulate first', '30')
    .option('--no-simulate', 'sample registry only, no simulated traffic')
    .action(async (o: DemoFlags) => {
      const g = globals();
      const dataDir = g.dataDir ?? process.env.ZHIBO_DATA_DIR ?? path.resolve('data/demo');
      const password = process.env.ZHIBO_ADMIN_PASSWORD || DEMO_ADMIN_PASSWORD;
      process.env.ZHIBO_ADMIN_PASSWORD = password;
      await serve(
        { ...g, dataDir, ...(o.port ? { port: o.port } : {}) },
        {
          beforeListen: async ({ ctx }) => {
            const seeded = await seedSampleRegistry(ctx);
            ctx.log.info(`demo data: ${JSON.stringify(seeded)}`);
            process.stdout.write(`\n  演示账号 / demo sign-in:  admin / ${password}\n\n`);
          },
          afterListen: ({ ctx }, url) => {
            if (!o.simulate) return;
            // The console is usable at once; history fills in behind it, then traffic goes on live.
            void (async () => {
              const common = { url, password, lots: Number(o.lots), seed: 2026, progress: true, log: (line: string) => ctx.log.info(line) };
              const days = Number(o.backfillDays);
              // History goes through the batch path in-process: fast, and with simulated receipt times.
              if (days > 0) {
                const history = recordedHistory(ctx, systemActor('demo'));
                const report = await runSimulation({ ...common, backfillDays: days, concurrency: 2, deliver: history.sink });
                await history.finish({ simulated: { from: report.from, to: report.to, lots: report.lots, seed: report.seed } });
                ctx.log.info(formatReport(report).join('\n'));
              }
              ctx.log.info(formatReport(await runSimulation({ ...common, speed: 1 })).join('\n'));
            })().catch((err: unknown) => ctx.log.error({ err }, 'demo simulation stopped'));
          },
        },
      );
    });
}
