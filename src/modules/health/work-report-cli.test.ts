import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/backends.js';
import { assertBuilt, runCli } from '../../../test/support/cli.js';
import { docxText, unzip } from '../../../test/support/unzip.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { ManualClock } from '../../platform/clock.js';
import { contextOf } from '../../platform/context.js';
import { openRuntime } from '../../runtime.js';
import { createTicket, ticketKpis, type KpiReport } from '../tickets/index.js';

/*
 * `zhibo report weekly|monthly` as users run them: the built program on an embedded data
 * directory holding three work orders of week 2026-W49 and one of the week before.
 */
describe('zhibo report weekly / monthly', () => {
  let dir: string;
  let out: string;
  let weekKpis: KpiReport;
  const report = (...args: string[]) => runCli(['report', ...args, '--data-dir', dir]);

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-work-'));
    out = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-work-out-'));
    const clock = new ManualClock(new Date('2026-11-29T10:00:00Z'));
    const rt = await openRuntime(testConfig({ dataDir: dir }), { clock });
    try {
      const actor = systemActor('seed');
      const ticket = (title: string, channel = 'phone') => createTicket(contextOf(rt.ctx), actor, { channel, category: 'fee_dispute', title, description: '多收费' });
      await ticket('before');
      clock.set('2026-12-01T02:00:00Z');
      await ticket('A', 'hotline_12345');
      await ticket('B', 'wechat');
      await ticket('C', 'hotline_12345');
      weekKpis = await ticketKpis(contextOf(rt.ctx), actor, { from: '2026-11-30', to: '2026-12-06' });
    } finally {
      await rt.close();
    }
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('writes the weekly report as JSON whose work-order figures are the KPIs of the week', () => {
    const file = path.join(out, 'w49.json');
    const r = report('weekly', '--week', '2026-W49', '--format', 'json', '--out', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(file);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json).toMatchObject({ kind: 'weekly', period: '2026-W49', version: 1, state: 'draft' });
    for (const k of ['total', 'closed', 'closureRate', 'onTimeRate', 'open'] as const) expect(json.content.tickets[k], k).toEqual(weekKpis[k]);
    expect(json.content.tickets.total).toBe(3);
  });

  it('writes .docx and .xlsx (format from --out), monthly too', async () => {
    const docx = path.join(out, 'w49.docx');
    expect(report('weekly', '--week', '2026-W49', '--out', docx).code).toBe(0);
    expect(docxText(unzip(readFileSync(docx)).get('word/document.xml')!.toString('utf8'))).toContain('本期受理工单 3 件');
    const xlsx = path.join(out, 'nov.xlsx');
    const r = report('monthly', '--month', '2026-11', '--out', xlsx);
    expect(r.code, r.stderr).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(xlsx) as unknown as ArrayBuffer);
    expect(wb.getWorksheet('工单按渠道')).toBeDefined();
  });

  it('refuses a bad week, month or format before opening the database', () => {
    for (const args of [['weekly', '--week', '2026-49'], ['monthly', '--month', '2026-13'], ['weekly', '--week', '2026-W49', '--format', 'pdf']]) {
      const r = report(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/INVALID_WEEK|INVALID_MONTH|INVALID_FORMAT|ISO|YYYY-MM|format/);
    }
  });
});
