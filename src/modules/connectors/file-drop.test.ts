import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';

/*
 * The file drop (docs/数据对接.md §2.3) with real files: a GBK CSV with 蓝/黄/绿 colours and a
 * .xlsx whose times are Excel date cells, read in name order into sessions; finished files go to
 * done/, an unreadable one to failed/ with why; a file still being written waits.
 */

const SOURCE = 'DROP-SRC';
const LOT = 'DROP-LOT';

const mapping = {
  events: [{ type: { value: 'entry' }, eventId: { paths: ['流水号'], prefix: 'F-' }, fields: { occurredAt: { path: '入场时间' }, lotCode: { value: LOT }, plate: { path: '车牌' }, plateColor: { path: '颜色' } } }],
  valueMaps: { plateColor: { 蓝: 'blue', 黄: 'yellow', 绿: 'green' } },
};

describeDb('connectors: a file drop folder', (backend) => {
  let env: TestEnv;
  let admin: string;
  let dropDir: string;
  let inbox: string;

  beforeAll(async () => {
    dropDir = mkdtempSync(path.join(tmpdir(), 'zhibo-drop-'));
    inbox = path.join(dropDir, 'gate-a');
    mkdirSync(inbox);
    env = await createTestEnv(backend, { connectorDropDir: dropDir });
    admin = await loginToken(env.app);
    await createSourceWithLots(env, admin, SOURCE, [{ code: LOT }]);
  });
  afterAll(async () => {
    await env?.close();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it('reads CSV (GBK) and XLSX exports in name order into sessions and moves them to done/', async () => {
    const csv = '流水号,车牌,颜色,入场时间\r\n1,苏F10001,蓝,2026-11-25 08:00:00\r\n2,苏F10002,黄,2026-11-25 08:01:00\r\n3,苏F10003,绿,2026-11-25 08:02:00\r\n';
    writeFileSync(path.join(inbox, '2026-11-25-a.csv'), new Uint8Array(Buffer.from(new TextEncoderGbk().encode(csv))));
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('记录');
    ws.addRow(['流水号', '车牌', '颜色', '入场时间']);
    for (let i = 4; i <= 8; i++) ws.addRow([i, `苏F1000${i}`, '蓝', new Date(Date.UTC(2026, 10, 25, 9, i, 0))]); // Excel wall-clock 09:0i
    writeFileSync(path.join(inbox, '2026-11-25-b.xlsx'), new Uint8Array(await wb.xlsx.writeBuffer()));
    writeFileSync(path.join(inbox, '2026-11-25-c.csv.part'), '流水号,车牌\r\n');
    writeFileSync(path.join(inbox, '2026-11-25-z.xlsx'), '这不是 xlsx 文件');

    const created = await env.app.inject({
      method: 'POST', url: '/api/v1/connectors', headers: bearer(admin),
      payload: { code: 'drop-a', name: '道闸导出', kind: 'file', sourceCode: SOURCE, enabled: true, config: { folder: 'gate-a', encoding: 'gbk', pageSize: 2 }, mapping },
    });
    expect(created.statusCode, created.body).toBe(201);
    const pulled = await env.app.inject({ method: 'POST', url: '/api/v1/connectors/drop-a/pull', headers: bearer(admin) });
    expect(pulled.json()).toMatchObject({ records: 8, accepted: 8, rejected: 0, caughtUp: true, cursor: null, error: null });

    const rows = await sql<{ event_id: string; plate_color: string | null; entered_at: Date }>`
      select s.entry_event_id as event_id, s.plate_color, s.entered_at from parking_sessions s join lots l on l.id = s.lot_id where l.code = ${LOT} order by s.entered_at`.execute(env.ctx.db);
    expect(rows.rows.map((r) => [r.event_id, r.plate_color, r.entered_at.toISOString()])).toEqual([
      ['F-1', 'blue', '2026-11-25T00:00:00.000Z'], ['F-2', 'yellow', '2026-11-25T00:01:00.000Z'], ['F-3', 'green', '2026-11-25T00:02:00.000Z'],
      ...[4, 5, 6, 7, 8].map((i) => [`F-${i}`, 'blue', `2026-11-25T01:0${i}:00.000Z`]),
    ]);
    expect(existsSync(path.join(inbox, 'done', '2026-11-25-a.csv'))).toBe(true);
    expect(existsSync(path.join(inbox, 'done', '2026-11-25-b.xlsx'))).toBe(true);
    expect(existsSync(path.join(inbox, '2026-11-25-c.csv.part'))).toBe(true);
    expect(existsSync(path.join(inbox, 'failed', '2026-11-25-z.xlsx'))).toBe(true);
    expect(readFileSync(path.join(inbox, 'failed', '2026-11-25-z.xlsx.error.txt'), 'utf8').trim()).not.toBe('');
  });
});

/** GBK bytes of a text (Node has a GBK decoder but no encoder): the few characters the test uses. */
class TextEncoderGbk {
  private static readonly TABLE: Record<string, number[]> = {
    流: [0xc1, 0xf7], 水: [0xcb, 0xae], 号: [0xba, 0xc5], 车: [0xb3, 0xb5], 牌: [0xc5, 0xc6], 颜: [0xd1, 0xd5], 色: [0xc9, 0xab],
    入: [0xc8, 0xeb], 场: [0xb3, 0xa1], 时: [0xca, 0xb1], 间: [0xbc, 0xe4], 苏: [0xcb, 0xd5], 蓝: [0xc0, 0xb6], 黄: [0xbb, 0xc6], 绿: [0xc2, 0xcc],
  };
  encode(text: string): number[] {
    return [...text].flatMap((c) => TextEncoderGbk.TABLE[c] ?? (c.charCodeAt(0) < 0x80 ? [c.charCodeAt(0)] : (() => { throw new Error(`no GBK code for ${c}`); })()));
  }
}
