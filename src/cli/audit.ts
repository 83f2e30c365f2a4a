import type { Command } from 'commander';
import { verifyAuditChain } from '../platform/audit/record.js';
import { withRuntime, type GlobalOpts } from './run.js';

export function registerAuditCommands(program: Command, globals: () => GlobalOpts): void {
  const audit = program.command('audit').description('审计日志 / audit log');
  audit
    .command('verify')
    .description('校验审计哈希链，断链时退出码非零 / verify the hash chain; non-zero exit on a broken link')
    .action(() =>
      withRuntime(globals(), async ({ ctx }) => {
        const report = await verifyAuditChain(ctx.db);
        if (report.ok) {
          console.log(`审计链完整 / audit chain intact: ${report.checked} rows`);
          return 0;
        }
        console.error(`审计链断裂 / audit chain broken at row ${report.firstBroken!.id}: ${report.firstBroken!.reason} (${report.checked} rows before it verified)`);
        return 3;
      }),
    );
}
