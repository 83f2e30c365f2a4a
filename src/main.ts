#!/usr/bin/env node
import { Command } from 'commander';
import { registerAnalyticsCommands } from './cli/analytics.js';
import { registerAuditCommands } from './cli/audit.js';
import { registerArchiveCommands } from './cli/archive.js';
import { registerBackupCommands } from './cli/backup.js';
import { registerDemoCommand } from './cli/demo.js';
import { withRuntime, type GlobalOpts } from './cli/run.js';
import { serve } from './cli/serve.js';
import { registerSimulateCommand } from './cli/simulate.js';
import { registerUserCommands } from './cli/users.js';
import { registerRegistryCommands } from './cli/registry.js';
import { registerImportEventsCommand } from './cli/import-events.js';
import { registerImportSnapshotsCommand } from './cli/import-snapshots.js';
import { registerMigrateFromCommand } from './cli/migrate-from.js';
import { registerReportCommands } from './cli/report.js';
import { registerOnboardingReportCommand } from './cli/report-onboarding.js';
import { registerWorkReportCommands } from './cli/report-work.js';
import { registerConnectorCommands } from './cli/connectors.js';

const program = new Command();
program
  .name('zhibo')
  .description('智泊 Zhibo — 南通市智慧停车平台 / Nantong smart parking platform')
  .option('--data-dir <dir>', 'embedded database directory (ZHIBO_DATA_DIR, default ./data)')
  .option('--database-url <url>', 'PostgreSQL URL (ZHIBO_DATABASE_URL); embedded PGlite when unset')
  .showHelpAfterError();

const globals = (): GlobalOpts => program.opts<GlobalOpts>();

program
  .command('serve')
  .description('启动服务与控制台 / start the server and console')
  .option('--port <port>', 'port (ZHIBO_PORT, default 8080)')
  .option('--host <host>', 'listen address (ZHIBO_HOST, default 0.0.0.0)')
  .action((o: { port?: string; host?: string }) => serve({ ...globals(), ...o }));

program
  .command('migrate')
  .description('执行数据库迁移 / apply database migrations')
  .action(() =>
    withRuntime(globals(), async ({ applied }) => {
      for (const name of applied) console.log(`applied ${name}`);
      console.log(`数据库已是最新 / database is up to date (${applied.length} applied now)`);
    }),
  );

registerDemoCommand(program, globals);
registerUserCommands(program, globals);
registerAuditCommands(program, globals);
registerRegistryCommands(program, globals);
registerSimulateCommand(program, globals);
registerImportEventsCommand(program, globals);
registerImportSnapshotsCommand(program, globals);
registerReportCommands(program, globals);
registerOnboardingReportCommand(program, globals);
registerWorkReportCommands(program, globals);
registerAnalyticsCommands(program, globals);
registerBackupCommands(program, globals);
registerMigrateFromCommand(program, globals);
registerArchiveCommands(program, globals);
registerConnectorCommands(program, globals);

await program.parseAsync(process.argv);
