import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/backends.js';
import { assertBuilt, runCli } from '../../../test/support/cli.js';
import { docxText, unzip } from '../../../test/support/unzip.js';
import { ManualClock } from '../../platform/clock.js';
import { openRuntime } from '../../runtime.js';
import { ingestBatch } from '../ingest/index.js';
import { seedSampleRegistry } from '../registry/index.js';
import type { SyncReport } from './sync-report.js';

/*
 * `zhibo report sync` as users run it: the built program on an embedded data directory that
 * holds the sample registry and two events of lot NT-CC-0001 in October 2025 (long past, so the
 * report is complete whatever the real date).
 */

describe('zhibo report sync', () => {
  let dir: string;
  let out: string;
  const report = (...args: string[]) => runCli(['report', 'sync', ...args, '--data-dir', dir]);

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-report-'));
    out = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-report-out-'));
    const clock = new ManualClock(new Date('2025-10-15T01:05:00Z'));
    const rt = await openRuntime(testConfig({ dataDir: dir }), { clock });
    try {
      await seedSampleRegistry(rt.ctx);
      const status = (eventId: string, occurredAt: string) => ({ type: 'status', eventId, occurredAt, lotCode: 'NT-CC-0001', totalSpaces: 860, freeSpaces: 100 });
      const r = await ingestBatch(rt.ctx, 'NT-CITY-PARK', [status('c-1', '2025-10-15 08:00:00'), status('c-2', '2025-10-15 09:00:00')], { via: 'api' });
      expect(r.accepted).toBe(2);
    } finally {
      await rt.close();
    }
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('writes the JSON report (format from the file name) and prints where and a summary', () => {
    const file = path.join(out, 'sync.json');
    const r = report('--month', '2025-10', '--out', file);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`已写入 / written: ${file}`);
    expect(r.stdout).toMatch(/2025年10月：停车场 \d+ 个，有数据 1 个，异常 \d+ 个；数据 2 条，断档 1 次共 23940 分钟，迟报 0 条/);
    const json = JSON.parse(readFileSync(file, 'utf8')) as SyncReport;
    expect(json.month).toBe('2025-10');
    const lot = json.lots.find((l) => l.lotCode === 'NT-CC-0001')!;
    // From 09:00 on 15 October to the month end (Shanghai): 16 days 15 hours.
    expect(lot).toMatchObject({ sourceCode: 'NT-CITY-PARK', records: 2, gaps: [{ from: '2025-10-15T01:00:00.000Z', to: '2025-10-31T16:00:00.000Z', minutes: 23940 }], gapMinutes: 23940, lateDeliveries: 0, abnormal: true });
    expect(json.summary.records).toBe(2);
  });

  it('writes the .xlsx under the report\'s name when --out is not given, and a .docx; both open', async () => {
    const bin = fileURLToPath(new URL('../../../bin/zhibo.js', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'report', 'sync', '--month', '2025-10', '--format', 'xlsx', '--data-dir', dir], {
      cwd: out, encoding: 'utf8', env: { ...process.env, ZHIBO_DATABASE_URL: '' }, timeout: 120_000,
    });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const xlsx = path.join(out, '数据同步监控报告-2025-10.xlsx');
    expect(r.stdout).toContain(`written: ${xlsx}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['概况', '停车场', '接入系统', '数据断档']);
    expect(wb.getWorksheet('数据断档')!.getRow(2).getCell(1).value).toBe('NT-CC-0001');

    const docx = path.join(out, 'r.docx');
    expect(report('--month', '2025-10', '--out', docx).code).toBe(0); // format from the extension
    const text = docxText(unzip(readFileSync(docx)).get('word/document.xml')!.toString('utf8'));
    expect(text.split('\n').slice(0, 2)).toEqual(['数据同步监控报告', '（2025年10月）']);
    expect(text).toContain('NT-CC-0001');
  });

  it('refuses a bad month or format with a message and exit code 1, before opening the database', () => {
    const bad = report('--month', '2025-13', '--out', path.join(out, 'x.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_MONTH');
    const fmt = report('--month', '2025-10', '--format', 'pdf', '--out', path.join(out, 'x.pdf'));
    expect(fmt.code).toBe(1);
    expect(fmt.stderr).toContain('INVALID_FORMAT');
    expect(report('--out', path.join(out, 'x.json')).stderr).toContain('--month');
  });
});
