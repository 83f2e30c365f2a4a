import { describe, expect, it } from 'vitest';
import { checkMapping, mapRecord, readTime, valueAt, type Mapping } from './mapping.js';

/*
 * The mapping (docs/数据对接.md §3) on records shaped like what lot systems export: a session
 * row with entry and exit times, colour codes 0/1/2 or 蓝/黄/绿, money in yuan, local times.
 */

const sessionRow: Mapping = {
  events: [
    { type: { value: 'entry' }, eventId: { paths: ['id'], prefix: 'PK-', suffix: '-in' }, fields: { occurredAt: { path: 'in_time' }, lotCode: { path: 'park_no' }, plate: { path: 'car_no' }, plateColor: { path: 'color' } } },
    {
      type: { value: 'exit' }, when: { path: 'out_time' }, eventId: { paths: ['id'], prefix: 'PK-', suffix: '-out' },
      fields: { occurredAt: { path: 'out_time' }, lotCode: { path: 'park_no' }, plate: { path: 'car_no' }, entryEventId: { path: 'id', prefix: 'PK-', suffix: '-in' }, paidFen: { path: 'fee' }, payChannel: { path: 'pay_type' } },
    },
  ],
  time: { format: 'YYYY/MM/DD HH:mm:ss', zone: 'Asia/Shanghai' },
  money: 'yuan',
  valueMaps: { plateColor: { 0: 'blue', 1: 'yellow', 2: 'green', 蓝: 'blue', 黄: 'yellow', 绿: 'green' }, payChannel: { 1: 'wechat', 2: 'alipay', 9: 'cash' }, lotCode: { P01: 'LOT-A' } },
};

describe('connector mapping', () => {
  it('turns one session row into an entry and an exit, with codes, money and zone translated', () => {
    const r = mapRecord({ id: 17, park_no: 'P01', car_no: '苏F12345', color: '0', in_time: '2026/12/07 08:00:05', out_time: '2026/12/07 10:30:00', fee: '12.50', pay_type: 1 }, sessionRow);
    expect(r).toEqual({
      ok: true,
      events: [
        { type: 'entry', eventId: 'PK-17-in', occurredAt: '2026-12-07T00:00:05.000Z', lotCode: 'LOT-A', plate: '苏F12345', plateColor: 'blue' },
        { type: 'exit', eventId: 'PK-17-out', occurredAt: '2026-12-07T02:30:00.000Z', lotCode: 'LOT-A', plate: '苏F12345', entryEventId: 'PK-17-in', paidFen: 1250, payChannel: 'wechat' },
      ],
    });
  });

  // What ingest says of the mapped events (an unmapped colour is refused there) is the dry run's, tested in connectors.test.ts.
  it('leaves out the exit while the car is still in, and passes unmapped codes on for ingest to judge', () => {
    const r = mapRecord({ id: 18, park_no: 'P02', car_no: '苏F54321', color: '绿', in_time: '2026/12/07 09:00:00', out_time: null }, sessionRow);
    expect(r.ok && r.events.map((e) => [e.type, e.lotCode, e.plateColor])).toEqual([['entry', 'P02', 'green']]);
    const odd = mapRecord({ id: 19, park_no: 'P01', car_no: '苏F54321', color: '7', in_time: '2026/12/07 09:00:00' }, sessionRow);
    expect(odd.ok && odd.events[0]!.plateColor).toBe('7');
  });

  it('refuses a record it cannot read, naming the field', () => {
    const noId = mapRecord({ park_no: 'P01', in_time: '2026/12/07 08:00:05' }, sessionRow);
    expect(noId).toMatchObject({ ok: false, code: 'MAPPING_FAILED' });
    expect(!noId.ok && noId.message).toMatch(/eventId \(id\)/);
    const badTime = mapRecord({ id: 1, park_no: 'P01', car_no: '苏F12345', in_time: '2026-12-07 08:00' }, sessionRow);
    expect(!badTime.ok && badTime.message).toMatch(/occurredAt \(in_time\).*YYYY\/MM\/DD/);
    const impossible = mapRecord({ id: 1, park_no: 'P01', car_no: '苏F12345', in_time: '2026/02/30 08:00:00' }, sessionRow);
    expect(!impossible.ok && impossible.message).toMatch(/impossible date/);
    const badFee = mapRecord({ id: 1, park_no: 'P01', car_no: '苏F12345', in_time: '2026/12/07 08:00:00', out_time: '2026/12/07 09:00:00', fee: 'free' }, sessionRow);
    expect(!badFee.ok && badFee.message).toMatch(/paidFen.*not a number/);
  });

  it('takes the event type from a code through the type map', () => {
    const m: Mapping = {
      events: [{ type: { path: 'kind' }, eventId: { paths: ['sn'] }, fields: { occurredAt: { path: 'ts' }, lotCode: { value: 'LOT-A' }, plate: { path: 'plate' } } }],
      time: { format: 'epoch_s' },
      valueMaps: { type: { 1: 'entry', 2: 'exit' } },
    };
    expect(mapRecord({ kind: 2, sn: 'a9', ts: 1765065600, plate: '苏F1' }, m)).toEqual({ ok: true, events: [{ type: 'exit', eventId: 'a9', occurredAt: '2025-12-07T00:00:00.000Z', lotCode: 'LOT-A', plate: '苏F1' }] });
    const unknown = mapRecord({ kind: 5, sn: 'a9', ts: 1, plate: 'x' }, m);
    expect(!unknown.ok && unknown.message).toMatch(/unmapped type code 5/);
  });

  it('reads nested paths and times in auto format, other zones and epochs', () => {
    expect(valueAt({ a: { b: [{ c: 1 }, { c: 2 }] } }, 'a.b[1].c')).toBe(2);
    expect(valueAt({ a: 1 }, 'a.b.c')).toBeUndefined();
    expect(readTime('2026-12-07 08:00:00', 'auto', 'Asia/Shanghai')).toBe('2026-12-07T00:00:00.000Z');
    expect(readTime('2026-12-07T08:00:00+09:00', 'auto', 'Asia/Shanghai')).toBe('2026-12-06T23:00:00.000Z');
    expect(readTime('2026-07-01 12:00:00', 'auto', 'Europe/Berlin')).toBe('2026-07-01T10:00:00.000Z'); // summer time
    expect(readTime('2026-01-01 12:00:00', 'auto', 'Europe/Berlin')).toBe('2026-01-01T11:00:00.000Z');
    expect(readTime('20261207080000', 'YYYYMMDDHHmmss', 'Asia/Shanghai')).toBe('2026-12-07T00:00:00.000Z');
    expect(readTime(1765065600123, 'epoch_ms', 'UTC')).toBe('2025-12-07T00:00:00.123Z');
    expect(readTime(new Date('2026-12-07T00:00:00Z'), 'YYYY', 'UTC')).toBe('2026-12-07T00:00:00.000Z');
  });

  it('names every problem of a mapping before it is saved', () => {
    expect(checkMapping(sessionRow)).toEqual([]);
    const bad: Mapping = {
      events: [
        { type: { value: 'entry' }, eventId: { paths: ['id'] }, fields: { occurredAt: { path: 't' }, plate: { path: 'p' }, paidFen: { path: 'f' }, colour: { path: 'c' } } },
        { type: { value: 'exit', path: 'k' }, eventId: { paths: ['id'] }, fields: {} },
        { type: { value: 'status' }, eventId: { paths: ['id'] }, fields: { occurredAt: { path: 't', value: 'x' }, lotCode: { value: 'L' }, totalSpaces: { path: 'a' }, freeSpaces: { path: 'b' } } },
      ],
      time: { format: 'DD.MM HH:mm', zone: 'Mars/Olympus' },
      valueMaps: { plateColor: { 0: 'azure' }, payChannel: { 1: 'paypal' }, type: { 3: 'parked' } },
    };
    const at = checkMapping(bad).map((p) => p.at);
    expect(at).toEqual(expect.arrayContaining([
      'valueMaps.type.3', 'valueMaps.plateColor.0', 'valueMaps.payChannel.1', 'time.zone', 'time.format',
      'events[0].fields.colour', 'events[0].fields.lotCode', 'events[0].fields.paidFen', 'events[1].type', 'events[2].fields.occurredAt',
    ]));
    expect(at).not.toContain('events[2].fields.lotCode');
  });
});
