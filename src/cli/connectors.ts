import type { Command } from 'commander';
import { pullConnector } from '../modules/connectors/index.js';
import type { RootContext } from '../schema.js';
import { withRuntime, type GlobalOpts } from './run.js';

/*
 * `zhibo connectors pull <code>`: pulls a connector now, under the same lease as the job
 * (docs/数据对接.md §4), until the source has nothing more (or --runs runs). One line per page
 * committed, so an operator (or a test) sees where the cursor stands.
 */

export function registerConnectorCommands(program: Command, globals: () => GlobalOpts): void {
  const group = program.command('connectors').description('数据对接连接器 / connectors');
  group
    .command('pull <code>')
    .description('立即拉取直到数据源没有新记录；退出码：0 完成，1 数据源出错，3 另一进程正在拉取 / pull until caught up; exit 0 done, 1 source error, 3 pulled elsewhere')
    .option('--runs <n>', '最多运行次数（每次至多一批页） / at most this many runs', '1000')
    .action((code: string, o: { runs: string }) => withRuntime(globals(), ({ ctx }) => runPull(ctx, code, Number(o.runs))));
}

export async function runPull(ctx: RootContext, code: string, runs: number, print: (line: string) => void = console.log): Promise<number> {
  for (let i = 0; i < runs; i++) {
    const r = await pullConnector(ctx, code, {
      onPage: (p) => print(`page records=${p.records} accepted=${p.accepted} duplicates=${p.duplicates} rejected=${p.rejected} cursor=${JSON.stringify(p.cursor)}`),
    });
    if (!r) {
      console.error(`zhibo: 连接器 ${code} 正在别处拉取 / the connector is being pulled elsewhere`);
      return 3;
    }
    if (r.error) {
      console.error(`zhibo: ${r.error}`);
      return 1;
    }
    if (r.caughtUp) {
      print(`caught up cursor=${JSON.stringify(r.cursor)}`);
      return 0;
    }
  }
  return 0;
}
