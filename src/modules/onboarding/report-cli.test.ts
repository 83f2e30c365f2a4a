import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/backends.js';
import { assertBuilt, runCli } from '../../../test/support/cli.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { ManualClock } from '../../platform/clock.js';
import { openRuntime } from '../../runtime.js';
import { changeStage, createEntry } from './entries.js';

/** `zhibo report onboarding`, the built program against a data directory prepared in process. */
describe('zhibo report onboarding', () => {
  let dir: string;
  let out: string;
  const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  const report = (...args: string[]) => runCli(['report', 'onboarding', ...args, '--data-dir', dir]);

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-onboarding-'));
    out = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-onboarding-out-'));
    // Entries registered in the third quarter of 2026; the program reports it with the real clock, after its end.
    const clock = new ManualClock(new Date('2026-08-10T02:00:00Z'));
    const rt = await openRuntime(testConfig({ dataDir: dir }), { clock });
    try {
      const actor = systemActor('test');
      const e = await createEntry(rt.ctx, actor, { districtCode: '320681', name: '启东汽车站', kind: 'off_street', knownSpaces: 150, targetDate: '2026-09-15' });
      await createEntry(rt.ctx, actor, { districtCode: '320681', name: '启东人民医院', kind: 'off_street', knownSpaces: 350, stage: 'contacting' });
      clock.set('2026-08-20T02:00:00Z');
      await changeStage(rt.ctx, actor, e.id, { stage: 'docking', note: '接口对接中' });
    } finally {
      await rt.close();
    }
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('is listed in the report group next to sync', () => {
    const help = runCli(['report', '--help']);
    expect(help.stdout).toContain('onboarding');
    expect(help.stdout).toContain('sync');
  });

  it('writes the .xlsx, with the format taken from --out', async () => {
    const file = path.join(out, 'q3.xlsx');
    const r = report('--quarter', '2026Q3', '--out', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`已写入 / written: ${file}`);
    expect(r.stdout).toContain('2026年第3季度（截至 2026-09-30）：已接入停车场 0 个（本季度新增 0），正在对接 2 个（逾期 1）');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file) as unknown as ExcelJS.Buffer);
    const rows: unknown[][] = [];
    wb.getWorksheet('启东市')!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    const names = rows.map((row) => row[1]);
    expect(names).toContain('启东汽车站');
    expect(names).toContain('启东人民医院');
    expect(rows.find((row) => row[1] === '启东汽车站')).toContain('逾期 15 天');
  });

  it('writes .docx and JSON when asked', async () => {
    const docx = path.join(out, 'list.docx');
    expect(report('--quarter', '2026Q3', '--format', 'docx', '--out', docx).code).toBe(0);
    const xml = await (await JSZip.loadAsync(readFileSync(docx))).file('word/document.xml')!.async('string');
    expect(xml).toContain('启东汽车站');
    const json = path.join(out, 'list.json');
    expect(report('--quarter', '2026Q3', '--format', 'json', '--out', json).code).toBe(0);
    const data = JSON.parse(readFileSync(json, 'utf8'));
    expect(data).toMatchObject({ quarter: '2026Q3', asOfDay: '2026-09-30', totals: { inProgress: 2, overdue: 1, pendingSpaces: 500 } });
    expect(data.districts.find((d: { districtCode: string }) => d.districtCode === '320681').inProgress[0].notes[0]).toEqual({ date: '2026-08-20', stage: 'docking', note: '接口对接中' });
  });

  it('refuses a bad quarter or format with a message and no stack trace', () => {
    const bad = report('--quarter', 'Q3-2026');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_QUARTER');
    noStack(bad.stderr);
    const fmt = report('--quarter', '2026Q3', '--format', 'pdf');
    expect(fmt.code).toBe(1);
    expect(fmt.stderr).toContain('INVALID_FORMAT');
  });
});
