import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSampleRegistry } from '../src/modules/registry/index.js';
import { openRuntime } from '../src/runtime.js';
import { testConfig } from './support/backends.js';
import { assertBuilt, runCli } from './support/cli.js';
import { generateLegacyExport, LEGACY_FILES, legacyMapping, writeCsvExport, writeXlsxExport, type LegacyExport } from './support/legacy-export.js';
import { docxText, unzip } from './support/unzip.js';

const BIN = fileURLToPath(new URL('../bin/zhibo.js', import.meta.url));

/** The report's sheets read back as rows of cell values (the header row first). */
async function readReport(file: string): Promise<Record<string, unknown[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(file) as unknown as ExcelJS.Buffer);
  const out: Record<string, unknown[][]> = {};
  for (const ws of wb.worksheets) {
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    out[ws.name] = rows;
  }
  return out;
}

function reports(dir: string): { xlsx: string; docx: string } {
  const files = readdirSync(dir).sort();
  const xlsx = files.filter((f) => f.endsWith('.xlsx')).pop()!;
  const docx = files.filter((f) => f.endsWith('.docx')).pop()!;
  return { xlsx: path.join(dir, xlsx), docx: path.join(dir, docx) };
}

async function seeded(dir: string): Promise<void> {
  const rt = await openRuntime(testConfig({ dataDir: dir }));
  try {
    await seedSampleRegistry(rt.ctx);
  } finally {
    await rt.close();
  }
}

/** What the platform holds after the import, read directly (the CLI has closed the database). */
async function stored(dir: string) {
  const rt = await openRuntime(testConfig({ dataDir: dir }));
  try {
    const db = rt.ctx.db;
    const count = async (t: 'parking_sessions' | 'payments' | 'tickets' | 'users' | 'lots' | 'migration_id_map') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const first = await db.selectFrom('migration_id_map as m').innerJoin('parking_sessions as s', 's.id', 'm.target_id').select(['s.entered_at', 's.exited_at', 's.receivable_fen', 's.paid_fen', 's.plate_color', 's.pay_channel', 's.state']).where('m.legacy_table', '=', 'sessions').where('m.legacy_id', '=', '500001').executeTakeFirst();
    const disabled = await db.selectFrom('users').select('status').where('username', '=', 'wang.old').executeTakeFirst();
    const ticketStates = await db.selectFrom('tickets').select(['state', 'external_no', 'lot_code']).where('external_no', 'like', 'WO2026%').orderBy('external_no').execute();
    return { sessions: await count('parking_sessions'), payments: await count('payments'), tickets: await count('tickets'), users: await count('users'), lots: await count('lots'), map: await count('migration_id_map'), first, disabled: disabled?.status, ticketStates };
  } finally {
    await rt.close();
  }
}

describe('zhibo migrate-from', () => {
  let work: string;
  let data: LegacyExport;
  const paths = (name: string) => ({ dir: path.join(work, `${name}-data`), exp: path.join(work, `${name}-export`), out: path.join(work, `${name}-reports`), mapping: path.join(work, `${name}-mapping.json`) });
  const migrate = (p: ReturnType<typeof paths>, ...extra: string[]) => runCli(['migrate-from', p.exp, '--mapping', p.mapping, '--out', p.out, '--data-dir', p.dir, ...extra]);

  beforeAll(() => {
    assertBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'zhibo-migrate-'));
    data = generateLegacyExport();
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('migrates a CSV export with every count equal; a re-run writes nothing twice; an altered export is caught and listed', async () => {
    const p = paths('csv');
    await seeded(p.dir);
    writeCsvExport(p.exp, data);
    writeFileSync(p.mapping, JSON.stringify(legacyMapping()));
    const before = await stored(p.dir);

    const r = migrate(p);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/停车记录 sessions\s+2000 行 rows: 导入 imported 2000, 沿用 adopted 0, 已导入 skipped 0, 拒绝 rejected 0/);
    expect(r.stdout).toMatch(/停车场 lots\s+5 行 rows: 导入 imported 3, 沿用 adopted 2/);
    expect(r.stdout).toContain('结果 result: 一致 / equal');

    // The report, parsed back: every table equal, with the generator's counts on both sides.
    const { xlsx, docx } = reports(p.out);
    const book = await readReport(xlsx);
    const counts = book['逐表核对']!.slice(1);
    expect(counts.map((row) => [row[0], row[1], row[2], row[5]])).toEqual([
      ['停车场 lots', 5, 5, '一致'],
      ['用户 users', 3, 3, '一致'],
      ['停车记录 sessions', 2000, 2000, '一致'],
      ['支付 payments', data.payments.length, data.payments.length, '一致'],
      ['工单 tickets', 12, 12, '一致'],
    ]);
    const paidYuan = data.sessions.reduce((s, x) => s + Math.round(Number(x.actual_pay) * 100), 0) / 100;
    expect(counts[2]![3]).toBeCloseTo(paidYuan, 2);
    const days = book['按日按车场']!.slice(1);
    expect(days.length).toBeGreaterThanOrEqual(50); // 10 days × 5 lots (late exits may add a day)
    expect(days.every((d) => d[8] === '一致' && d[2] === d[3] && d[4] === d[5] && d[6] === d[7])).toBe(true);
    expect(days.reduce((s, d) => s + (d[2] as number), 0)).toBe(2000);
    expect(book['逐行差异']!.slice(1)).toEqual([]);
    const text = docxText(unzip(readFileSync(docx)).get('word/document.xml')!.toString('utf8'));
    expect(text).toContain('系统迁移核对报告');
    expect(text).toContain('原系统与平台逐表、逐日逐车场、逐行一致，迁移完整。');

    // What landed: times converted from Shanghai wall clock to UTC, codes through the value maps.
    const after = await stored(p.dir);
    expect(after.sessions - before.sessions).toBe(2000);
    expect(after.payments - before.payments).toBe(data.payments.length);
    expect(after.tickets - before.tickets).toBe(12);
    expect(after.lots - before.lots).toBe(3);
    expect(after.users - before.users).toBe(3);
    const s1 = data.sessions[0]!; // record 500001: entered 2026/10/01 00:10 Shanghai (i % 97 === 0)
    expect(s1.in_time).toBe('2026/10/01 00:10:00');
    expect(after.first!.entered_at!.toISOString()).toBe('2026-09-30T16:10:00.000Z');
    expect(after.first).toMatchObject({ receivable_fen: Math.round(Number(s1.should_pay) * 100), paid_fen: Math.round(Number(s1.actual_pay) * 100), state: 'closed' });
    expect(after.disabled).toBe('disabled');
    expect(after.ticketStates.map((t) => t.state)).toEqual(data.tickets.map((t) => ({ 已办结: 'closed', 处理中: 'new', 已撤销: 'cancelled' })[t.status as string]));
    expect(after.ticketStates[0]!.lot_code).toBe('NT-CC-0001');

    // Again, at a terminal: a progress bar per table, nothing imported, nothing written twice.
    const cmd = [process.execPath, BIN, 'migrate-from', p.exp, '--mapping', p.mapping, '--out', p.out, '--data-dir', p.dir].map((a) => `'${a}'`).join(' ');
    const again = spawnSync('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, ZHIBO_DATABASE_URL: '', ZHIBO_LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 120_000 });
    expect(again.status, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/导入 停车记录 sessions\s+[█░]+\s+\d+%/);
    expect(again.stdout).toMatch(/停车记录 sessions\s+2000 行 rows: 导入 imported 0, 沿用 adopted 0, 已导入 skipped 2000, 拒绝 rejected 0/);
    expect(await stored(p.dir)).toEqual(after);

    // The export altered after the import: one session's paid fee changed, one session removed.
    const altered = structuredClone(data);
    const changed = altered.sessions[10]!;
    changed.actual_pay = ((Math.round(Number(changed.actual_pay) * 100) + 300) / 100).toFixed(2);
    const removed = altered.sessions.splice(20, 1)[0]!;
    writeCsvExport(p.exp, altered);
    const check = migrate(p, '--verify-only');
    expect(check.code, check.stderr).toBe(1);
    expect(check.stdout).toContain('结果 result: 有差异 / differences found');
    expect(check.stdout).not.toContain('导入完成');
    const bad = await readReport(reports(p.out).xlsx);
    expect(bad['逐表核对']!.find((row) => row[0] === '停车记录 sessions')!.slice(1, 3).concat(bad['逐表核对']!.find((row) => row[0] === '停车记录 sessions')![5])).toEqual([1999, 2000, '不一致']);
    expect(bad['逐行差异']!.slice(1).map((row) => [row[1], row[2], row[3]])).toEqual(
      [[String(changed.record_id), '字段不一致', 'paidFen'], [String(removed.record_id), '原系统已无此行', '']].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    const differing = bad['按日按车场']!.slice(1).filter((d) => d[8] === '不一致');
    expect(differing.length).toBeGreaterThanOrEqual(1);
    expect(differing.length).toBeLessThanOrEqual(2);
    const docText = docxText(unzip(readFileSync(reports(p.out).docx)).get('word/document.xml')!.toString('utf8'));
    expect(docText).toContain('存在差异');
    expect(docText).toContain(String(removed.record_id));
    expect(await stored(p.dir)).toEqual(after); // verification writes nothing to the migrated data
  }, 900_000);

  it('migrates the same export as .xlsx files (date cells, numbers) with every count equal', async () => {
    const p = paths('xlsx');
    await seeded(p.dir);
    const small = generateLegacyExport({ sessions: 300, days: 3, seed: 7 });
    await writeXlsxExport(p.exp, small);
    writeFileSync(p.mapping, JSON.stringify(legacyMapping('legacy-xlsx')));
    const r = migrate(p, '--json');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const out = JSON.parse(r.stdout) as { verification: { equal: boolean; tables: { table: string; legacy: number; platform: number }[] } };
    expect(out.verification.equal).toBe(true);
    expect(out.verification.tables.map((t) => [t.table, t.legacy, t.platform])).toEqual([
      ['lots', 5, 5], ['users', 3, 3], ['sessions', 300, 300], ['payments', small.payments.length, small.payments.length], ['tickets', 12, 12],
    ]);
    const book = await readReport(reports(p.out).xlsx);
    expect(book['逐表核对']!.slice(1).every((row) => row[5] === '一致')).toBe(true);
    expect((await stored(p.dir)).first!.entered_at!.toISOString()).toBe('2026-09-30T16:10:00.000Z');
  }, 600_000);

  it('refuses a mapping file that does not hold, listing every problem, and a source it cannot read (exit 2)', () => {
    const p = paths('bad');
    const mapping = legacyMapping() as { tables: Record<string, { columns: Record<string, string>; defaults?: Record<string, unknown> }>; timeZone: string };
    mapping.timeZone = 'Asia/Nowhere';
    mapping.tables.sessions!.columns.car_no = 'licence';
    delete mapping.tables.payments!.columns.money;
    writeFileSync(p.mapping, JSON.stringify(mapping));
    const r = runCli(['migrate-from', work, '--mapping', p.mapping, '--data-dir', p.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/timeZone: 未知时区 / unknown time zone "Asia/Nowhere"');
    expect(r.stderr).toContain('/tables/sessions/columns/car_no: 未知字段 / unknown field "licence"');
    expect(r.stderr).toMatch(/\/tables\/payments\/columns: 缺少必填字段 \/ required field "amount"/);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);

    writeFileSync(p.mapping, JSON.stringify(legacyMapping()));
    const missing = runCli(['migrate-from', path.join(work, 'nope'), '--mapping', p.mapping, '--data-dir', p.dir]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('不是文件夹或数据库地址 / not a folder or a database URL')]);
    const empty = mkdtempSync(path.join(work, 'empty-'));
    const noFile = runCli(['migrate-from', empty, '--mapping', p.mapping, '--data-dir', p.dir]);
    expect([noFile.code, noFile.stderr]).toEqual([2, expect.stringContaining(`没有 ${LEGACY_FILES.lots}.csv 或 ${LEGACY_FILES.lots}.xlsx`)]);
  }, 600_000);
});
