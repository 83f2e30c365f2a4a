import path from 'node:path';
import type { Command } from 'commander';
import { seedSampleRegistry } from '../modules/registry/sample-data.js';
import type { GlobalOpts } from './run.js';
import { serve } from './serve.js';

/** Demo admin password when none is set: the demo is for looking around on one's own machine. */
const DEMO_ADMIN_PASSWORD = 'Zhibo-Demo-2026';

export function registerDemoCommand(program: Command, globals: () => GlobalOpts): void {
  program
    .command('demo')
    .description('演示：示例数据 + 控制台 / demo: sample data and the console')
    .option('--port <port>', 'port (ZHIBO_PORT, default 8080)')
    .action(async (o: { port?: string }) => {
      const g = globals();
      const dataDir = g.dataDir ?? process.env.ZHIBO_DATA_DIR ?? path.resolve('data/demo');
      const password = process.env.ZHIBO_ADMIN_PASSWORD || DEMO_ADMIN_PASSWORD;
      process.env.ZHIBO_ADMIN_PASSWORD = password;
      await serve(
        { ...g, dataDir, ...o },
        {
          beforeListen: async ({ ctx }) => {
            const seeded = await seedSampleRegistry(ctx);
            ctx.log.info(`demo data: ${JSON.stringify(seeded)}`);
            process.stdout.write(`\n  演示账号 / demo sign-in:  admin / ${password}\n\n`);
          },
        },
      );
    });
}
