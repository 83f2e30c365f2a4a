import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';

/*
 * A legacy parking system's export as such systems write it (docs/系统迁移.md): its own table and
 * column names, codes for plate colours, pay types and statuses, money in yuan with two decimals,
 * local Shanghai times without an offset in 'YYYY/MM/DD HH:mm:ss'. Deterministic (a seeded
 * generator), so that a test can alter one row and know which. `legacyMapping` is the mapping
 * file that carries it onto the platform's sample registry (seedSampleRegistry): two legacy lots
 * are lots the platform has already (lotCodes), three are new.
 */

export interface LegacyExport {
  lots: Record<string, string | number>[];
  users: Record<string, string | number>[];
  sessions: Record<string, string | number>[];
  payments: Record<string, string | number>[];
  tickets: Record<string, string | number>[];
}

export const LEGACY_FILES = { lots: 't_park', users: 't_user', sessions: 't_parking_record', payments: 't_pay', tickets: 't_work_order' } as const;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** Local wall-clock text of a day offset and minute of the day, as the legacy system writes it. */
export const legacyTime = (day: number, minute: number) => {
  const d = new Date(Date.UTC(2026, 9, 1 + day, 0, minute));
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00`;
};
const yuan = (fen: number) => `${Math.floor(fen / 100)}.${pad(fen % 100)}`;

export function generateLegacyExport(opts: { sessions?: number; days?: number; seed?: number } = {}): LegacyExport {
  const total = opts.sessions ?? 2000;
  const days = opts.days ?? 10;
  const rand = rng(opts.seed ?? 20261001);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const lots = [
    { park_id: 101, park_no: 'P001', park_name: '附属医院（旧系统）', area: '01', park_type: 1, spaces: 860, lng: 120.8641, lat: 32.0133 },
    { park_id: 102, park_no: 'P002', park_name: '文峰大世界（旧系统）', area: '01', park_type: 1, spaces: 420, lng: 120.8663, lat: 32.0071 },
    { park_id: 103, park_no: 'P003', park_name: '濠河东停车场', area: '01', park_type: 1, spaces: 300, lng: 120.8702, lat: 32.0105 },
    { park_id: 104, park_no: 'P004', park_name: '金沙老街停车场', area: '02', park_type: 1, spaces: 180, lng: 121.0741, lat: 32.0851 },
    { park_id: 105, park_no: 'P005', park_name: '人民路路内泊位', area: '02', park_type: 2, spaces: 40, lng: 121.0755, lat: 32.0870 },
  ];
  const users = [
    { user_id: 1, login_name: 'zhang.wei', real_name: '张伟', role_code: 'B', state: '0' },
    { user_id: 2, login_name: 'li.na', real_name: '李娜', role_code: 'O', state: '0' },
    { user_id: 3, login_name: 'wang.old', real_name: '王强', role_code: 'V', state: '1' },
  ];
  const sessions: LegacyExport['sessions'] = [];
  const payments: LegacyExport['payments'] = [];
  for (let i = 0; i < total; i++) {
    const lot = lots[i % lots.length]!;
    const day = Math.floor((i / total) * days);
    // Some entries right after local midnight and right before it: the day is Shanghai's, not UTC's.
    const minute = i % 97 === 0 ? 10 : i % 89 === 0 ? 23 * 60 + 5 : 6 * 60 + Math.floor(rand() * 15 * 60);
    const stay = 10 + Math.floor(rand() * 50);
    const plate = `苏F${pick([...LETTERS])}${pad(Math.floor(rand() * 10000), 4)}`;
    const feeFen = Math.floor(stay / 30) * 200 + (rand() < 0.3 ? 50 : 0);
    const paidFen = rand() < 0.1 ? 0 : feeFen;
    const payType = paidFen === 0 ? '' : pick(['WX', 'ZFB', 'XJ']);
    const id = 500001 + i;
    sessions.push({ record_id: id, park_id: lot.park_id, car_no: plate, car_color: pick(['0', '0', '0', '1', '2']), in_time: legacyTime(day, minute), out_time: legacyTime(day, minute + stay), should_pay: yuan(feeFen), actual_pay: yuan(paidFen), pay_type: payType });
    if (paidFen > 0 && payType !== 'XJ') payments.push({ pay_id: 900001 + payments.length, record_id: id, order_no: `ORD${id}`, money: yuan(paidFen), pay_type: payType, pay_time: legacyTime(day, minute + stay) });
  }
  const categories = ['收费争议', '车牌识别', '设施故障'];
  const tickets: LegacyExport['tickets'] = [];
  for (let i = 0; i < 12; i++) {
    const status = i % 4 === 0 ? '处理中' : i % 5 === 0 ? '已撤销' : '已办结';
    tickets.push({ wo_id: 7001 + i, wo_no: `WO2026${pad(i + 1, 4)}`, source: pick(['12345', 'WX']), type: pick(categories), title: `旧系统工单 ${i + 1}`, content: '迁移前的市民诉求', park_id: lots[i % lots.length]!.park_id, status, create_time: legacyTime(i % days, 9 * 60), finish_time: status === '处理中' ? '' : legacyTime(i % days, 15 * 60) });
  }
  return { lots, users, sessions, payments, tickets };
}

/** The mapping file for the generated export. */
export function legacyMapping(source = 'legacy-2026'): Record<string, unknown> {
  return {
    source,
    timeZone: 'Asia/Shanghai',
    timeFormat: 'YYYY/MM/DD HH:mm:ss',
    money: 'yuan',
    lotCodes: { P001: 'NT-CC-0001', P002: 'NT-CC-0002', P003: 'NT-LG-0003', P004: 'NT-LG-0004', P005: 'NT-LG-R005' },
    tables: {
      lots: {
        from: LEGACY_FILES.lots, id: 'park_id',
        columns: { park_no: 'code', park_name: 'name', area: 'districtCode', park_type: 'kind', spaces: 'totalSpaces', lng: 'lng', lat: 'lat' },
        values: { districtCode: { '01': '320602', '02': '320612' }, kind: { '1': 'off_street', '2': 'on_street' } },
        defaults: { sourceCode: 'NT-CITY-PARK', coordSystem: 'gcj02' },
      },
      users: {
        from: LEGACY_FILES.users, id: 'user_id',
        columns: { login_name: 'username', real_name: 'displayName', role_code: 'role', state: 'status' },
        values: { role: { B: 'bureau', O: 'ops', V: 'viewer' }, status: { '0': 'active', '1': 'disabled' } },
      },
      sessions: {
        from: LEGACY_FILES.sessions, id: 'record_id',
        columns: { park_id: 'lot', car_no: 'plate', car_color: 'plateColor', in_time: 'enteredAt', out_time: 'exitedAt', should_pay: 'receivable', actual_pay: 'paid', pay_type: 'payChannel' },
        values: { plateColor: { '0': 'blue', '1': 'yellow', '2': 'green' }, payChannel: { WX: 'wechat', ZFB: 'alipay', XJ: 'cash' } },
      },
      payments: {
        from: LEGACY_FILES.payments, id: 'pay_id',
        columns: { record_id: 'session', order_no: 'orderNo', money: 'amount', pay_type: 'channel', pay_time: 'paidAt' },
        values: { channel: { WX: 'wechat', ZFB: 'alipay', XJ: 'cash' } },
      },
      tickets: {
        from: LEGACY_FILES.tickets, id: 'wo_id',
        columns: { wo_no: 'number', source: 'channel', type: 'category', title: 'title', content: 'description', park_id: 'lot', status: 'state', create_time: 'createdAt', finish_time: 'closedAt' },
        values: {
          channel: { '12345': 'hotline_12345', WX: 'wechat' },
          category: { 收费争议: 'fee_dispute', 车牌识别: 'plate_misread', 设施故障: 'facility_fault' },
          state: { 已办结: 'closed', 处理中: 'new', 已撤销: 'cancelled' },
        },
      },
    },
  };
}

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Writes the export as CSV files (UTF-8 with BOM, as Excel on Windows saves them). */
export function writeCsvExport(dir: string, data: LegacyExport): void {
  mkdirSync(dir, { recursive: true });
  for (const [table, file] of Object.entries(LEGACY_FILES) as [keyof LegacyExport, string][]) {
    const rows = data[table];
    const columns = Object.keys(rows[0]!);
    const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? '')).join(','))];
    writeFileSync(path.join(dir, `${file}.csv`), `\uFEFF${lines.join('\r\n')}\r\n`);
  }
}

/** Writes the export as .xlsx files: times as date cells (the wall clock), money as numbers. */
export async function writeXlsxExport(dir: string, data: LegacyExport): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const asDate = (v: string | number) => {
    const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(String(v));
    return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : v;
  };
  for (const [table, file] of Object.entries(LEGACY_FILES) as [keyof LegacyExport, string][]) {
    const rows = data[table];
    const columns = Object.keys(rows[0]!);
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet(file);
    sheet.addRow(columns);
    for (const r of rows) {
      sheet.addRow(columns.map((c) => {
        const v = r[c] ?? '';
        if (/_time$/.test(c)) return v === '' ? null : asDate(v);
        if (/pay$|^money$/.test(c) && c !== 'pay_type') return Number(v);
        return v;
      }));
    }
    for (const [i, c] of columns.entries()) if (/_time$/.test(c)) sheet.getColumn(i + 1).numFmt = 'yyyy-mm-dd hh:mm:ss';
    await wb.xlsx.writeFile(path.join(dir, `${file}.xlsx`));
  }
}
