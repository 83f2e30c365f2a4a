import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { readLotSheet, importLots, type ImportResult } from '../modules/registry/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { RootContext } from '../schema.js';
import { withRuntime, type GlobalOpts } from './run.js';

const cliActor = () => systemActor(`cli:${process.env.USER ?? 'unknown'}`);

/**
 * The `zhibo import` group, created on first use: other modules add their own subcommands
 * (`import events` …) through this instead of declaring the group twice.
 */
export function importCommandGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('导入数据 / import data');
}

export function registerRegistryCommands(program: Command, globals: () => GlobalOpts): void {
  importCommandGroup(program)
    .command('lots <file>')
    .description('从 .xlsx 或 .csv 导入停车场（已有编码则更新）；有被拒行时退出码为 1 / import lots from .xlsx or .csv (existing codes are updated); exit code 1 when rows were rejected')
    .option('--dry-run', '只校验，不写入 / validate only, write nothing')
    .option('--json', '输出 JSON / print the result as JSON')
    .action((file: string, o: { dryRun?: boolean; json?: boolean }) => withRuntime(globals(), ({ ctx }) => runLotImport(ctx, file, o)));
}

/** The command's work, separate from the runtime so that tests can call it. Returns the exit code. */
export async function runLotImport(ctx: RootContext, file: string, opts: { dryRun?: boolean; json?: boolean }, print: (line: string) => void = console.log): Promise<number> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (err) {
    print(`zhibo: 无法读取文件 / cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const fileName = path.basename(file);
  const sheet = await readLotSheet(buffer, fileName);
  const result = await importLots(ctx, cliActor(), sheet, { dryRun: !!opts.dryRun, fileName });
  if (opts.json) print(JSON.stringify(result, null, 2));
  else for (const line of formatImport(result)) print(line);
  return result.rejected > 0 ? 1 : 0;
}

const STATUS_ZH = { created: '新增', updated: '更新', unchanged: '未变', rejected: '拒绝' } as const;

export function formatImport(r: ImportResult): string[] {
  const lines = ['行  编码                状态        说明 / row  code  status  notes'];
  for (const row of r.rows) {
    const notes = [...row.errors.map((e) => `✗ ${e.code} ${e.field}: ${e.message}`), ...row.warnings.map((w) => `! ${w.code}: ${w.message}`)];
    const head = `${String(row.row).padEnd(4)}${(row.code ?? '-').padEnd(20)}${`${STATUS_ZH[row.status]} ${row.status}`.padEnd(12)}`;
    lines.push(notes.length ? `${head}${notes[0]}` : head.trimEnd());
    for (const n of notes.slice(1)) lines.push(`${' '.repeat(36)}${n}`);
  }
  lines.push('');
  lines.push(
    `${r.dryRun ? '试运行（未写入） / dry run, nothing written: ' : ''}共 ${r.total} 行 / rows: 新增 created ${r.created}, 更新 updated ${r.updated}, 未变 unchanged ${r.unchanged}, 拒绝 rejected ${r.rejected}`,
  );
  return lines;
}
