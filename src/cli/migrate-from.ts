import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  importLegacy, MappingError, openLegacySource, parseMappingText, SourceError, verificationDocx, verificationXlsx, verifyMigration, REPORT_TITLE,
  type ImportProgress, type ImportResult, type LegacySource, type Mapping, type RowIssue, type TableImport, type Verification,
} from '../modules/migration/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { RootContext } from '../schema.js';
import { withRuntime, type GlobalOpts } from './run.js';
import { Terminal } from './terminal.js';

/*
 * zhibo migrate-from <folder | mysql://… | postgres://…> --mapping FILE [--verify-only] [--out DIR] [--json]
 * (docs/系统迁移.md, docs/用户手册.md 第 25 章). Imports a legacy system's export through the
 * mapping, then verifies it and writes 《系统迁移核对报告》 as .xlsx and .docx. Re-running imports
 * only what is not imported yet; --verify-only re-checks after fixes without importing.
 *
 * Exit codes: 0 imported and every count and sum equal; 1 differences (or rows refused); 2 the
 * mapping file or the source cannot be read.
 */

export interface MigrateFromOptions {
  mapping: string;
  verifyOnly?: boolean;
  out?: string;
  json?: boolean;
}

const ISSUES_SHOWN = 20;
const stamp = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

export function registerMigrateFromCommand(program: Command, globals: () => GlobalOpts): void {
  program
    .command('migrate-from <from>')
    .description(
      '从旧系统迁移：读取导出文件夹（CSV/XLSX）或 PostgreSQL/MySQL 数据库，按映射文件导入停车场、用户、停车记录、支付、工单，并生成核对报告（.xlsx/.docx）；可重复执行，不重复写入；退出码 0 一致，1 有差异，2 映射或数据源无法读取 / ' +
        'migrate from a legacy system: a folder of CSV/XLSX or a PostgreSQL/MySQL database, through a mapping file; resumable, never writes twice; writes a verification report; exit 0 equal, 1 differences, 2 unreadable mapping or source',
    )
    .requiredOption('--mapping <file>', '映射文件（JSON）/ mapping file (JSON)')
    .option('--verify-only', '只核对，不导入 / verify only, import nothing')
    .option('--out <dir>', '核对报告目录（默认当前目录）/ folder for the report (default: current folder)')
    .option('--json', '输出 JSON / print the result as JSON')
    .action(async (from: string, o: MigrateFromOptions) => {
      let mapping: Mapping;
      try {
        mapping = parseMappingText(await readFile(o.mapping, 'utf8'));
      } catch (err) {
        process.exitCode = failure(err, o.mapping);
        return;
      }
      await withRuntime(globals(), ({ ctx }) => runMigrateFrom(ctx, from, mapping, o));
    });
}

function failure(err: unknown, what: string): number {
  if (err instanceof MappingError || err instanceof SourceError) console.error(`zhibo: ${err.message}`);
  else if (typeof (err as { code?: unknown }).code === 'string' && /^E[A-Z]+$/.test((err as { code: string }).code)) console.error(`zhibo: 无法读取 / cannot read ${what}: ${(err as Error).message}`);
  else throw err;
  return 2;
}

/** The command's work once the runtime is open; returns the exit code. */
export async function runMigrateFrom(ctx: RootContext, from: string, mapping: Mapping, o: MigrateFromOptions, print: (line: string) => void = console.log): Promise<number> {
  let source: LegacySource;
  try {
    source = await openLegacySource(from);
  } catch (err) {
    return failure(err, from);
  }
  const actor = systemActor(`cli:${process.env.USER ?? 'unknown'}`);
  const terminal = new Terminal();
  try {
    let imported: ImportResult | null = null;
    if (!o.verifyOnly) imported = await importLegacy(ctx, actor, source, mapping, o.json || !terminal.tty ? undefined : progress(terminal));
    const verification = await verifyMigration(ctx, actor, source, mapping);
    const issues = imported?.issues ?? [];
    const dir = o.out ?? '.';
    await mkdir(dir, { recursive: true });
    const base = path.join(dir, `${REPORT_TITLE}-${mapping.source}-${stamp(verification.verifiedAt)}`);
    await writeFile(`${base}.xlsx`, await verificationXlsx(verification, issues));
    await writeFile(`${base}.docx`, await verificationDocx(verification, issues));
    const reports = [`${base}.xlsx`, `${base}.docx`];
    if (o.json) print(JSON.stringify({ import: imported, verification: summary(verification), reports }, null, 2));
    else for (const line of lines(imported, verification, reports)) print(line);
    return verification.equal && issues.length === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof SourceError) return failure(err, from);
    throw err;
  } finally {
    terminal.close();
    await source.close();
  }
}

const LABELS = { lots: '停车场 lots', users: '用户 users', sessions: '停车记录 sessions', payments: '支付 payments', tickets: '工单 tickets' } as const;

function progress(terminal: Terminal): ImportProgress {
  let phase: ReturnType<Terminal['phase']> | null = null;
  return {
    start: (table) => {
      phase = terminal.phase(`导入 ${LABELS[table]}`);
    },
    update: (done, total, t) => phase?.update(done, total, `${done}/${total} 导入 ${t.imported} 沿用 ${t.adopted} 已有 ${t.skipped} 拒绝 ${t.rejected}`),
    end: (t) => phase?.end(tableLine(t)),
  };
}

const tableLine = (t: TableImport) => `${t.rows} 行 rows: 导入 imported ${t.imported}, 沿用 adopted ${t.adopted}, 已导入 skipped ${t.skipped}, 拒绝 rejected ${t.rejected}`;

function summary(v: Verification) {
  return { equal: v.equal, tables: v.tables, differentDays: v.days.filter((d) => !d.equal), differences: v.differences };
}

const issueLine = (i: RowIssue) => `${LABELS[i.table].padEnd(16)}${String(i.row).padEnd(8)}${(i.legacyId ?? '-').padEnd(14)}${i.code.padEnd(18)}${i.message}`;

function lines(imported: ImportResult | null, v: Verification, reports: string[]): string[] {
  const out: string[] = [];
  if (imported) {
    out.push(`导入完成 / imported from ${v.from} (来源 source ${v.source})`);
    for (const t of imported.tables) out.push(`  ${LABELS[t.table].padEnd(18)}${tableLine(t)}`);
    if (imported.issues.length) {
      out.push('', '数据表 table     行号 row 原系统编号 id  代码 code          说明 message');
      for (const i of imported.issues.slice(0, ISSUES_SHOWN)) out.push(issueLine(i));
      if (imported.issues.length > ISSUES_SHOWN) out.push(`… 另有 ${imported.issues.length - ISSUES_SHOWN} 行被拒，见报告“导入问题” / ${imported.issues.length - ISSUES_SHOWN} more in the report's 导入问题 sheet`);
    }
    out.push('');
  }
  out.push('核对 / verification:');
  for (const t of v.tables) out.push(`  ${LABELS[t.table].padEnd(18)}原系统 legacy ${t.legacy}, 平台 platform ${t.platform}${t.legacyFen === null ? '' : `, 金额(分) fen ${t.legacyFen} / ${t.platformFen}`} — ${t.equal ? '一致 equal' : '不一致 DIFFERENT'}`);
  const days = v.days.filter((d) => !d.equal);
  out.push(`  按日按车场 day × lot: ${v.days.length - days.length}/${v.days.length} 一致 equal`);
  for (const d of days.slice(0, ISSUES_SHOWN)) out.push(`    ${d.day} ${d.lotCode}: 记录 ${d.legacyCount}/${d.platformCount}, 应收(分) ${d.legacyReceivableFen}/${d.platformReceivableFen}, 实收(分) ${d.legacyPaidFen}/${d.platformPaidFen}`);
  if (v.differences.length) {
    out.push(`  逐行差异 row differences: ${v.differences.length}`);
    for (const d of v.differences.slice(0, ISSUES_SHOWN)) out.push(`    ${d.table} ${d.legacyId}: ${d.kind}${d.field ? ` ${d.field} ${d.legacy} → ${d.platform}` : ''}`);
  }
  out.push(v.equal ? '结果 result: 一致 / equal' : '结果 result: 有差异 / differences found');
  out.push(`核对报告 / report: ${reports.join(', ')}`);
  return out;
}
