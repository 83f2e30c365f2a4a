import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DEFAULT_SNAPSHOT_DISTRICT, importSnapshots, type SnapshotImportResult, type SnapshotProgress } from '../modules/ingest/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import type { RootContext } from '../schema.js';
import { AppError } from '../platform/errors.js';
import { importCommandGroup } from './registry.js';
import { withRuntime, type GlobalOpts } from './run.js';

const cliActor = () => systemActor(`cli:${process.env.USER ?? 'unknown'}`);

/** Errors that stop the import before any event is sent: exit code 2. */
const SETUP_ERRORS = new Set(['INVALID_FEED', 'MISSING_COLUMNS', 'UNKNOWN_DISTRICT']);
const ERRORS_SHOWN = 20;

export interface SnapshotImportCliOptions {
  district?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerImportSnapshotsCommand(program: Command, globals: () => GlobalOpts): void {
  importCommandGroup(program)
    .command('snapshots <dir>')
    .description(
      '导入车位快照数据（meta-data.csv + 每日 YYYY-MM-DD.csv）：按 source_id 建数据源、按 place_id 建停车场，每个非空单元格作为状态事件走接入校验；退出码：0 全部接收，1 有被拒单元格，2 目录无法读取 / ' +
        'import an occupancy snapshot feed (meta-data.csv + daily YYYY-MM-DD.csv): a data source per source_id, a lot per place_id, every non-empty cell a status event through the ingest checks; exit 0 all taken, 1 cells refused, 2 unreadable feed',
    )
    .option('--district <code>', `停车场所属县市区编码 / district of the lots created (default ${DEFAULT_SNAPSHOT_DISTRICT})`, DEFAULT_SNAPSHOT_DISTRICT)
    .option('--dry-run', '只校验，不写入 / validate only, write nothing')
    .option('--json', '输出 JSON / print the result as JSON')
    .action((dir: string, o: SnapshotImportCliOptions) => withRuntime(globals(), ({ ctx }) => runSnapshotImport(ctx, dir, o)));
}

/** The command's work, separate from the runtime so that tests can call it. Returns the exit code. */
export async function runSnapshotImport(ctx: RootContext, dir: string, opts: SnapshotImportCliOptions, print: (line: string) => void = console.log): Promise<number> {
  const bar = process.stdout.isTTY && !opts.json ? progressBar() : null;
  let result: SnapshotImportResult;
  try {
    result = await importSnapshots(ctx, cliActor(), { dir, districtCode: opts.district, dryRun: !!opts.dryRun, onProgress: bar?.update });
  } catch (err) {
    bar?.stop();
    if (err instanceof AppError && SETUP_ERRORS.has(err.code)) {
      console.error(`zhibo: ${err.code}: ${err.message}`);
      return 2;
    }
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      console.error(`zhibo: 无法读取 / cannot read ${dir}: ${(err as Error).message}`);
      return 2;
    }
    throw err;
  }
  bar?.stop();
  if (opts.json) print(JSON.stringify(result, null, 2));
  else for (const line of summaryLines(result)) print(line);
  return result.rejected > 0 ? 1 : 0;
}

export function summaryLines(r: SnapshotImportResult): string[] {
  const l = r.lots;
  const lines = [
    `${r.dryRun ? '预检（未写入） / dry run, nothing written' : '快照导入完成 / snapshot feed imported'}: ${r.dir} — ${r.files.length} 个日文件 / day files, 县市区 district ${r.districtCode}`,
    `数据源 sources: ${r.sources.total}（新建 created ${r.sources.created}，已有 existing ${r.sources.existing}）；运营单位 operators: 新建 created ${r.operators.created}，已有 existing ${r.operators.existing}`,
    `停车场 lots: ${l.total}（新建 created ${l.created}，已有 existing ${l.existing}，失败 failed ${l.failed}）— ` +
      `无坐标 without coordinates ${l.withoutCoordinates}，按观测估算容量 capacity estimated ${l.estimatedCapacity}，容量未知 capacity unknown ${l.unknownCapacity}，` +
      `改写编码 renamed codes ${l.renamed}，从未上报 never reported ${l.silent}` +
      (l.boundElsewhere ? `，已绑定其他数据源 bound to another source ${l.boundElsewhere}` : ''),
    `状态事件 status events: 单元格 cells ${r.cells} — 接收 accepted ${r.accepted}，重复 duplicates ${r.duplicates}，拒绝 rejected ${r.rejected}` +
      (r.quarantined ? `（隔离区 ${r.quarantined} 条 / quarantine entries）` : '') +
      `，标记异常 flagged ${r.flagged}（空位 < 0 或 > 总泊位 / free < 0 or > total）`,
  ];
  if (r.unlisted.columns) {
    lines.push(`meta-data.csv 未登记的列 / unlisted columns: ${r.unlisted.columns}（${r.unlisted.cells} 个单元格以 UNKNOWN_LOT 拒绝进入隔离区，登记后可重放 / ${r.unlisted.cells} cells refused as UNKNOWN_LOT into quarantine; register the lots, then replay）`);
  }
  if (r.unmapped.columns.length) {
    lines.push(`无法对应数据源的列 / columns of no known source: ${r.unmapped.columns.join(', ')}（${r.unmapped.cells} 个单元格未发送 / cells not sent）`);
  }
  for (const n of r.lotNotes.filter((x) => x.status === 'failed')) lines.push(`✗ ${n.placeId}: ${n.error ?? ''}`);
  lines.push(`用时 took ${r.seconds} s`);
  if (r.errors.length) {
    lines.push('');
    lines.push('文件 file          行 row  停车场 place_id                     代码 code        说明 message');
    for (const e of r.errors.slice(0, ERRORS_SHOWN)) lines.push(`${e.fileName.padEnd(18)}${String(e.row).padEnd(7)}${e.placeId.slice(0, 34).padEnd(36)}${e.code.padEnd(17)}${e.message}`);
    const more = r.rejected - Math.min(ERRORS_SHOWN, r.errors.length);
    if (more > 0) lines.push(`… 另有 ${more} 个被拒单元格，全部在隔离区，或用 --json 查看 / ${more} more refused cells: all are in quarantine, or use --json`);
  }
  return lines;
}

/** A terminal progress bar over the bytes of the day files: a quick first pass, then the import. */
function progressBar(): { update: (p: SnapshotProgress) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} {bar} {percentage}% | {cells} 单元格 cells, {rate}/s | 接收 {accepted} 重复 {duplicates} 拒绝 {rejected} 异常 {flagged}',
      stream: process.stdout,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update: (p) => {
      const elapsed = Math.max((Date.now() - started) / 1000, 0.001);
      const payload = { ...p, phase: p.phase === 'scan' ? '扫描 scan  ' : '导入 import', rate: Math.round(p.cells / elapsed) };
      if (!running) {
        bar.start(Math.max(p.totalBytes, 1), p.bytesRead, payload);
        running = true;
      } else bar.update(p.bytesRead, payload);
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}
