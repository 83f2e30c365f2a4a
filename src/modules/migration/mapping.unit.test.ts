import { describe, expect, it } from 'vitest';
import { MappingError, parseMapping, parseMappingText } from './mapping.js';
import { parseLegacyTime } from './time.js';
import { mapRow, RowProblem } from './transform.js';
import { compareSides, type Side } from './verify.js';

const minimal = (tables: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ source: 'old-sys', tables, ...extra });
const sessions = {
  from: 't_rec', id: 'rid',
  columns: { park: 'lot', plate_no: 'plate', t_in: 'enteredAt', t_out: 'exitedAt', fee: 'receivable', paid: 'paid', color: 'plateColor' },
  values: { plateColor: { '0': 'blue', '1': 'yellow' } },
  money: 'yuan',
};

function problems(json: unknown): string[] {
  try {
    parseMapping(json);
  } catch (err) {
    if (err instanceof MappingError) return err.problems;
    throw err;
  }
  return [];
}

describe('mapping file', () => {
  it('accepts a mapping and fills the file-wide settings into each table', () => {
    const m = parseMapping(minimal({ sessions }, { timeFormat: 'DD.MM.YYYY HH:mm', timeZone: 'Asia/Urumqi' }));
    expect(m.tables).toHaveLength(1);
    expect(m.tables[0]).toMatchObject({ table: 'sessions', from: 't_rec', id: 'rid', timeFormat: 'DD.MM.YYYY HH:mm', timeZone: 'Asia/Urumqi', money: 'yuan' });
    expect(m.tables[0]!.fieldColumns.get('plate')).toBe('plate_no');
  });

  it('lists every problem with its place: shape first, then meaning', () => {
    expect(problems({ source: 'Bad Name', tables: { sessions: { ...sessions, extra: 1 } }, junk: true })).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\/source: /),
      expect.stringMatching(/^\/: must not have additional properties \(junk\)/),
      expect.stringMatching(/^\/tables\/sessions: must not have additional properties \(extra\)/),
    ]));
    const meaning = problems(minimal({
      sessions: { ...sessions, columns: { park: 'lot', t_in: 'enteredAt', fee: 'fees', other: 'lot' }, values: { colour: {} } },
      payments: { from: 'pay', id: 'id', columns: { amt: 'amount', ch: 'channel', t: 'paidAt' } },
    }, { timeZone: 'Mars/Olympus', timeFormat: 'HH:mm' }));
    expect(meaning).toEqual([
      '/timeZone: 未知时区 / unknown time zone "Mars/Olympus" (an IANA name such as Asia/Shanghai)',
      expect.stringMatching(/^\/timeFormat: 时间格式须含 YYYY/),
      expect.stringMatching(/^\/tables\/sessions\/columns\/fee: 未知字段 \/ unknown field "fees" \(sessions: lot, plate, /),
      '/tables/sessions/columns/other: 字段 "lot" 已由列 "park" 填写 / field "lot" is already filled by column "park"',
      expect.stringMatching(/^\/tables\/sessions\/values\/colour: 未知字段/),
      expect.stringMatching(/^\/tables\/sessions\/columns: 缺少必填字段 \/ required field "plate"/),
      expect.stringMatching(/^\/tables\/payments\/columns: 支付须能找到车场/),
    ]);
    expect(problems(minimal({}))).toEqual(['/tables: 至少映射一张表 / map at least one table']);
    expect(() => parseMappingText('{"source": ')).toThrow(/不是合法的 JSON \/ not valid JSON/);
  });
});

describe('legacy times', () => {
  it('reads the wall clock in the mapping zone and stores UTC', () => {
    expect(parseLegacyTime('2026/10/01 00:10:00', 'YYYY/MM/DD HH:mm:ss', 'Asia/Shanghai')!.toISOString()).toBe('2026-09-30T16:10:00.000Z');
    expect(parseLegacyTime('01.10.2026 08:30', 'DD.MM.YYYY HH:mm', 'Asia/Shanghai')!.toISOString()).toBe('2026-10-01T00:30:00.000Z');
    // A zone with daylight saving: the offset of that date.
    expect(parseLegacyTime('2026-07-01 12:00:00', 'YYYY-MM-DD HH:mm:ss', 'Europe/Berlin')!.toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect(parseLegacyTime('2026-01-01 12:00:00', 'YYYY-MM-DD HH:mm:ss', 'Europe/Berlin')!.toISOString()).toBe('2026-01-01T11:00:00.000Z');
    expect(parseLegacyTime('2026-10-01T08:00:00+08:00', 'iso', 'Europe/Berlin')!.toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(parseLegacyTime('2026-10-01 08:00:00', 'iso', 'Asia/Shanghai')!.toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(parseLegacyTime('1790000000', 'epoch', 'Asia/Shanghai')!.getTime()).toBe(1_790_000_000_000);
    // A spreadsheet date cell: its UTC fields are the wall clock.
    expect(parseLegacyTime(new Date(Date.UTC(2026, 9, 1, 0, 10)), 'YYYY', 'Asia/Shanghai')!.toISOString()).toBe('2026-09-30T16:10:00.000Z');
    expect(parseLegacyTime('', 'YYYY-MM-DD', 'Asia/Shanghai')).toBeNull();
    expect(() => parseLegacyTime('2026-02-30 10:00:00', 'YYYY-MM-DD HH:mm:ss', 'Asia/Shanghai')).toThrow(/不符合时间格式/);
    expect(() => parseLegacyTime('yesterday', 'YYYY-MM-DD HH:mm:ss', 'Asia/Shanghai')).toThrow(/"yesterday" 不符合时间格式 YYYY-MM-DD HH:mm:ss/);
  });
});

describe('a legacy row through its mapping', () => {
  const m = parseMapping(minimal({ sessions })).tables[0]!;
  const row = { rid: 7, park: 'P1', plate_no: '苏F12345', t_in: '2026-10-01 08:00:00', t_out: '2026-10-01 09:00:00', fee: '12.5', paid: 12, color: '1' };

  it('maps values, converts yuan to fen exactly and times to UTC', () => {
    expect(mapRow(m, row)).toEqual({
      legacyId: '7',
      values: expect.objectContaining({ lot: 'P1', plate: '苏F12345', plateColor: 'yellow', receivable: 1250, paid: 1200, enteredAt: new Date('2026-10-01T00:00:00Z'), berthCode: null }),
    });
  });

  it('says which field does not convert', () => {
    const fail = (r: Record<string, unknown>) => {
      try {
        mapRow(m, { ...row, ...r } as never);
      } catch (err) {
        return [(err as RowProblem).code, (err as Error).message];
      }
      return null;
    };
    expect(fail({ color: '9' })).toEqual(['UNMAPPED_VALUE', 'plateColor: 值 "9" 不在映射 values.plateColor 中 / value "9" is not in values.plateColor']);
    expect(fail({ fee: '12.345' })).toEqual(['INVALID_MONEY', expect.stringContaining('receivable: "12.345" 不是元')]);
    expect(fail({ plate_no: ' ' })).toEqual(['MISSING_FIELD', 'plate（车牌）为空 / is empty']);
    expect(fail({ rid: null })).toEqual(['MISSING_ID', expect.stringContaining('rid')]);
    expect(fail({ t_out: '2026-13-01 00:00:00' })).toEqual(['INVALID_TIME', expect.stringContaining('exitedAt: ')]);
  });
});

describe('comparing both sides', () => {
  const side = (rows: [string, string, string, number, number][], counts: Side['counts']): Side => ({
    counts,
    sessions: new Map(rows.map(([id, lotCode, day, receivableFen, paidFen]) => [id, { id, lotCode, day, enteredAt: null, exitedAt: null, receivableFen, paidFen }])),
    payments: new Map(),
  });

  it('is equal when every count, day × lot and row agree', () => {
    const a = side([['1', 'L1', '2026-10-01', 500, 500], ['2', 'L2', '2026-10-01', 300, 0]], { sessions: 2, lots: 2 });
    const c = compareSides(['lots', 'sessions'], a, a);
    expect(c.equal).toBe(true);
    expect(c.days.map((d) => [d.day, d.lotCode, d.legacyCount, d.platformCount, d.equal])).toEqual([['2026-10-01', 'L1', 1, 1, true], ['2026-10-01', 'L2', 1, 1, true]]);
  });

  it('lists a changed fee, a row gone from the legacy side and one missing on the platform', () => {
    const legacy = side([['1', 'L1', '2026-10-01', 500, 600], ['3', 'L1', '2026-10-02', 100, 100]], { sessions: 2 });
    const platform = side([['1', 'L1', '2026-10-01', 500, 500], ['2', 'L2', '2026-10-01', 300, 0]], { sessions: 2 });
    const c = compareSides(['sessions'], legacy, platform);
    expect(c.equal).toBe(false);
    expect(c.tables).toEqual([{ table: 'sessions', legacy: 2, platform: 2, legacyFen: 700, platformFen: 500, equal: false }]);
    expect(c.differences).toEqual([
      { table: 'sessions', legacyId: '1', kind: 'field', field: 'paidFen', legacy: '600', platform: '500' },
      { table: 'sessions', legacyId: '2', kind: 'not_in_legacy', field: null, legacy: null, platform: null },
      { table: 'sessions', legacyId: '3', kind: 'missing_on_platform', field: null, legacy: null, platform: null },
    ]);
    expect(c.days.filter((d) => !d.equal).map((d) => `${d.day} ${d.lotCode}`)).toEqual(['2026-10-01 L1', '2026-10-01 L2', '2026-10-02 L1']);
  });
});
