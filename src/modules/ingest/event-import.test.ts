import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from '../../../test/fixtures/registry/helpers.js';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { readEventFile, TextDecodeStream } from './event-file.js';
import { importEvents, type ImportProgress } from './event-import.js';
import { checkEvent } from './validate.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/ingest/', import.meta.url));
const actor = systemActor('test:import');
const text = (s: string) => Readable.from([Buffer.from(s)]);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('event file reader', () => {
  it('maps Chinese headers and values, converts numbers and yuan, leaves empty cells out', async () => {
    const csv = [
      '*类型,事件编号,发生时间,车场编码,车牌,车牌颜色,应收(元),实收（分）,支付方式,总泊位,空余泊位,备注',
      '出场,x-1,2026/11/20 9:05,L1,苏F12345,蓝,5.5,500,微信,,,手工补录',
      '状态,x-2,2026-11-20 09:00:00,L1,,,,,,"1,200",-3,',
      '',
      'EXIT,x-3,2026-11-20T09:00:00+08:00,L1,苏F12345,,abc,,Alipay,,,',
    ].join('\r\n');
    const ignored: string[][] = [];
    const items = await collect(readEventFile(text(csv), 'csv', { onColumns: (c) => ignored.push(c.ignored) }));
    expect(ignored).toEqual([['备注']]);
    expect(items).toEqual([
      { row: 2, event: { type: 'exit', eventId: 'x-1', occurredAt: '2026-11-20 09:05:00', lotCode: 'L1', plate: '苏F12345', plateColor: 'blue', receivableFen: 550, paidFen: 500, payChannel: 'wechat' } },
      { row: 3, event: { type: 'status', eventId: 'x-2', occurredAt: '2026-11-20 09:00:00', lotCode: 'L1', totalSpaces: 1200, freeSpaces: -3 } },
      { row: 5, event: { type: 'exit', eventId: 'x-3', occurredAt: '2026-11-20T09:00:00+08:00', lotCode: 'L1', plate: '苏F12345', receivableFen: 'abc', payChannel: 'Alipay' } },
    ]);
  });

  it('reads tab-separated text and English headers', async () => {
    const tsv = 'Type\tEvent ID\tOccurred At\tLot Code\tPlate\nentry\tt-1\t2026-11-20 08:00:00\tL1\t苏F12345\n';
    expect(await collect(readEventFile(text(tsv), 'csv'))).toEqual([{ row: 2, event: { type: 'entry', eventId: 't-1', occurredAt: '2026-11-20 08:00:00', lotCode: 'L1', plate: '苏F12345' } }]);
  });

  it('refuses a sheet without the required columns, and binary data named .csv', async () => {
    await expect(collect(readEventFile(text('车牌,时间\n苏F12345,2026-11-20 08:00:00\n'), 'csv'))).rejects.toMatchObject({ status: 400, code: 'MISSING_COLUMNS' });
    await expect(collect(readEventFile(text('PK\x03\x04\x00\x00garbage'), 'csv'))).rejects.toMatchObject({ status: 400, code: 'INVALID_FILE' });
    await expect(collect(readEventFile(text('not a zip at all'), 'xlsx'))).rejects.toMatchObject({ status: 400, code: 'INVALID_FILE' });
  });

  it('decides UTF-8 or GBK at the first non-ASCII bytes, however the chunks fall', async () => {
    const gbk = readFileSync(path.join(FIXTURES, 'events-gbk.csv'));
    const utf8 = Buffer.from(new TextDecoder('gbk').decode(gbk));
    for (const bytes of [gbk, utf8, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])]) {
      // One byte at a time: the worst case for a streaming decoder.
      const oneByOne = Readable.from((function* () {
        for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
      })());
      const decoded = (await collect(oneByOne.pipe(new TextDecodeStream()))).join('');
      expect(decoded).toBe(utf8.toString());
    }
  });

  it('yields bad JSON lines as row errors with their line numbers', async () => {
    const jsonl = '{"type":"heartbeat","eventId":"h1","occurredAt":"2026-11-20 08:00:00"}\n{"type": "entry", oops\n\n  \r\n[1,2]\r\n{"type":"heartbeat","eventId":"h2","occurredAt":"2026-11-20 08:00:00"}';
    const items = await collect(readEventFile(text(jsonl), 'jsonl'));
    expect(items.map((i) => [i.row, 'error' in i ? i.error.code : 'ok'])).toEqual([[1, 'ok'], [2, 'INVALID_JSON'], [5, 'ok'], [6, 'ok']]);
    expect(items[1]).toMatchObject({ raw: '{"type": "entry", oops' });
  });

  it('streams: the first event comes out before the file has been read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zhibo-stream-'));
    try {
      const file = path.join(dir, 'big.jsonl');
      const line = (i: number) => JSON.stringify({ type: 'heartbeat', eventId: `hb-${i}`, occurredAt: '2026-11-20 08:00:00' });
      writeFileSync(file, Array.from({ length: 50_000 }, (_, i) => line(i)).join('\n'));
      const size = statSync(file).size;
      let bytes = 0;
      const counted = createReadStream(file).pipe(new Transform({ transform: (chunk: Buffer, _e, done) => ((bytes += chunk.length), done(null, chunk)) }));
      const reader = readEventFile(counted, 'jsonl');
      const first = await reader.next();
      expect(first.value).toMatchObject({ row: 1, event: { eventId: 'hb-0' } });
      // Far less than the file (well over one 64 KiB read) had been taken when the first event came.
      expect(size).toBeGreaterThan(20 * 64 * 1024);
      expect(bytes).toBeLessThan(size / 4);
      await reader.return(undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeDb('event import', (backend) => {
  let env: TestEnv;
  let admin: string;
  let dir: string;

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    await createSourceWithLots(env, admin, 'VENDOR-I', [{ code: 'LOT-I1' }, { code: 'LOT-I2' }]);
    await createSourceWithLots(env, admin, 'VENDOR-J', [{ code: 'LOT-J1' }]);
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-import-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await env.close();
  });

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const sessionsOf = (plate: string) => env.ctx.db.selectFrom('parking_sessions').selectAll().where('plate', '=', plate).orderBy('id').execute();
  const count = async (table: 'ingest_events' | 'ingest_quarantine' | 'parking_sessions' | 'audit_log') =>
    Number((await env.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('imports a CSV with Chinese headers, reports refused rows by row number and quarantines them', async () => {
    const file = write('records.csv', [
      '类型,事件编号,发生时间,车场编码,车牌,车牌颜色,应收(分),实收(分),支付方式,备注',
      '入场,c-1,2026-11-20 08:00:00,LOT-I1,苏F·C0001,蓝,,,,早班',
      '出场,c-2,2026/11/20 10:30,LOT-I1,苏FC0001,,600,500,微信,',
      '入场,c-3,2026-11-20 09:00:00,LOT-I1,无牌车,,,,,',
      '入场,c-4,2026-11-20 09:00:00,LOT-J1,苏FC0004,,,,,',
      '入场,c-5,2026-12-20 09:00:00,LOT-I1,苏FC0005,,,,,',
    ].join('\n'));
    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'records.csv' });
    expect(result).toMatchObject({ dryRun: false, format: 'csv', rows: 5, accepted: 2, duplicates: 0, rejected: 3, truncated: false, ignoredColumns: ['备注'], quarantined: 1 });
    expect(result.errors.map((e) => [e.row, e.eventId, e.code])).toEqual([[4, 'c-3', 'INVALID_PLATE'], [5, 'c-4', 'LOT_NOT_BOUND'], [6, 'c-5', 'FUTURE_TIME']]);
    const [s] = await sessionsOf('苏FC0001');
    expect(s).toMatchObject({ state: 'closed', entry_event_id: 'c-1', exit_event_id: 'c-2', receivable_fen: 600, paid_fen: 500, pay_channel: 'wechat', plate_color: 'blue', plate_raw: '苏F·C0001' });
    expect(s!.entered_at!.toISOString()).toBe('2026-11-20T00:00:00.000Z');
    const q = await env.ctx.db.selectFrom('ingest_quarantine').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(q).toMatchObject({ via: 'import', source_code: 'VENDOR-I', rejected: 3 });
    const body = JSON.parse(Buffer.from(q.raw_body).toString());
    expect(body).toMatchObject({ fileName: 'records.csv', rows: [2, 3, 4, 5, 6] });
    expect(body.events).toHaveLength(5);
    const stored = await env.ctx.db.selectFrom('ingest_events').select(['via', 'event_id']).where('event_id', 'in', ['c-1', 'c-2']).execute();
    expect(stored.map((r) => r.via)).toEqual(['import', 'import']);
    const auditRow = await env.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'ingest.import').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(auditRow).toMatchObject({ target_type: 'source', target_id: 'VENDOR-I', actor: 'test:import' });
    expect(auditRow.detail).toMatchObject({ fileName: 'records.csv', rows: 5, accepted: 2, duplicates: 0, rejected: 3 });
  });

  it('reads a GBK-encoded CSV as Excel writes it on a Chinese Windows', async () => {
    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: path.join(FIXTURES, 'events-gbk.csv'), fileName: 'events-gbk.csv' });
    expect(result).toMatchObject({ rows: 2, accepted: 1, rejected: 1 });
    expect(result.errors).toEqual([{ row: 3, eventId: 'gbk-2', code: 'INVALID_FIELD', message: expect.stringContaining('plateColor') }]);
    expect(await sessionsOf('苏FG0001')).toEqual([expect.objectContaining({ plate_color: 'yellow', berth_code: 'B-07', plate_raw: '苏F·G0001' })]);
  });

  it('reads the first sheet of an .xlsx: dates, numbers as text ids, formulas', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('事件');
    sheet.addRow(['类型', '事件编号', '发生时间', '车场编码', '车牌', '入场时间', '应收(元)', '实收(分)', '支付方式']);
    sheet.addRow(['入场', 90001, new Date(Date.UTC(2026, 10, 22, 8, 15, 0)), 'LOT-I2', '苏FX0001']);
    sheet.addRow(['出场', 90002, '2026-11-22 11:15:00', 'LOT-I2', '苏FX0001', null, 12.5, { formula: 'G3*100', result: 1250 }, '支付宝']);
    sheet.addRow([]);
    sheet.addRow(['出场', 90003, '2026-11-22 11:20:00', 'LOT-I2', '苏FX0002', '昨天']);
    for (const c of [3, 6]) sheet.getColumn(c).numFmt = 'yyyy-mm-dd hh:mm:ss';
    wb.addWorksheet('说明').addRow(['这张表不导入']);
    const file = write('events.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));

    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'events.xlsx' });
    expect(result).toMatchObject({ format: 'xlsx', rows: 3, accepted: 2, rejected: 1 });
    expect(result.errors).toEqual([expect.objectContaining({ row: 5, eventId: '90003', code: 'INVALID_TIME' })]);
    const [s] = await sessionsOf('苏FX0001');
    expect(s).toMatchObject({ entry_event_id: '90001', exit_event_id: '90002', receivable_fen: 1250, paid_fen: 1250, pay_channel: 'alipay' });
    // An Excel date is wall-clock time: Shanghai 08:15.
    expect(s!.entered_at!.toISOString()).toBe('2026-11-22T00:15:00.000Z');
  });

  it('pairs 无牌车/临时车 rows of an .xlsx by their 票号 like pushed ones; one without a ticket is refused as by the API', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('事件');
    sheet.addRow(['类型', '事件编号', '发生时间', '车场编码', '车牌', '票号', '应收(分)', '实收(分)', '支付方式']);
    sheet.addRow(['入场', 'np-1', '2026-11-22 08:00:00', 'LOT-I2', '无牌车', 'T-7701']);
    sheet.addRow(['入场', 'np-2', '2026-11-22 08:10:00', 'LOT-I2', '临时车', 7702]);
    // The exit of np-1 names only the ticket; np-2's exit says 临时车 with the ticket as a number cell.
    sheet.addRow(['出场', 'np-3', '2026-11-22 09:00:00', 'LOT-I2', null, 'T-7701', 300, 300, '现金']);
    sheet.addRow(['出场', 'np-4', '2026-11-22 10:10:00', 'LOT-I2', '临时车', 7702, 500, 500, '微信']);
    sheet.addRow(['入场', 'np-5', '2026-11-22 10:20:00', 'LOT-I2', '无牌车']);
    const file = write('no-plate.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));

    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'no-plate.xlsx' });
    expect(result).toMatchObject({ format: 'xlsx', rows: 5, accepted: 4, rejected: 1, ignoredColumns: [] });
    expect(result.errors).toEqual([expect.objectContaining({ row: 6, eventId: 'np-5', code: 'INVALID_PLATE', message: expect.stringContaining('ticketId') })]);
    // The same code the push API answers for the same event (one validation for both paths).
    const pushed = checkEvent({ type: 'entry', eventId: 'np-push', occurredAt: '2026-11-22T02:20:00Z', lotCode: 'LOT-I2', plate: '无牌车' }, new Date('2026-11-23T00:00:00Z'));
    expect(pushed).toMatchObject({ ok: false, rejection: { code: 'INVALID_PLATE' } });
    expect(await sessionsOf('无牌车#T7701')).toEqual([expect.objectContaining({ state: 'closed', entry_event_id: 'np-1', exit_event_id: 'np-3', paid_fen: 300 })]);
    expect(await sessionsOf('无牌车#7702')).toEqual([expect.objectContaining({ state: 'closed', entry_event_id: 'np-2', exit_event_id: 'np-4', paid_fen: 500, pay_channel: 'wechat' })]);
  });

  it('imports JSON lines, keeping an unreadable line in quarantine where staff can correct and replay it', async () => {
    const file = write('events.jsonl', [
      JSON.stringify({ type: 'entry', eventId: 'j-1', occurredAt: '2026-11-23 08:00:00', lotCode: 'LOT-I1', plate: '苏FJ0001' }),
      '{"type":"exit","eventId":"j-2","occurredAt":"2026-11-23 09:00:00","lotCode":"LOT-I1","plate":"苏FJ0001",',
      JSON.stringify({ type: 'payment', eventId: 'j-3', occurredAt: '2026-11-23 09:00:00', lotCode: 'LOT-I1', plate: '苏FJ0001', orderNo: 'PO-1', amountFen: 300, channel: 'wechat', paidAt: '2026-11-23 08:59:00' }),
    ].join('\n'));
    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'events.jsonl' });
    expect(result).toMatchObject({ format: 'jsonl', rows: 3, accepted: 2, rejected: 1, quarantined: 1 });
    expect(result.errors).toEqual([{ row: 2, eventId: null, code: 'INVALID_JSON', message: expect.stringContaining('line 2') }]);

    const list = (await env.app.inject({ url: '/api/v1/ingest/quarantine?status=open&sourceCode=VENDOR-I', headers: bearer(admin) })).json();
    const entry = list.items.find((i: { reasons: { code: string }[] }) => i.reasons.some((r) => r.code === 'INVALID_JSON'));
    expect(entry).toMatchObject({ via: 'import', rejected: 1, reasons: [{ index: 1, eventId: null, code: 'INVALID_JSON' }] });
    const detail = (await env.app.inject({ url: `/api/v1/ingest/quarantine/${entry.id}`, headers: bearer(admin) })).json();
    const body = JSON.parse(detail.rawBody);
    expect(typeof body.events[1]).toBe('string');
    body.events[1] = JSON.parse(`${body.events[1]}"receivableFen":300}`);
    const replay = await env.app.inject({ method: 'POST', url: `/api/v1/ingest/quarantine/${entry.id}/replay`, headers: bearer(admin), payload: { body: JSON.stringify(body) } });
    expect(replay.json()).toMatchObject({ accepted: 1, duplicates: 2, rejected: 0 });
    expect(await sessionsOf('苏FJ0001')).toEqual([expect.objectContaining({ state: 'closed', exit_event_id: 'j-2', receivable_fen: 300 })]);
  });

  it('a dry run reports the same and commits nothing; a re-import is all duplicates', async () => {
    const lines = [
      { type: 'entry', eventId: 'd-1', occurredAt: '2026-11-24 08:00:00', lotCode: 'LOT-I1', plate: '苏FD0101' },
      { type: 'entry', eventId: 'd-2', occurredAt: '2026-11-24 08:00:00', lotCode: 'NOWHERE', plate: '苏FD0102' },
      { type: 'exit', eventId: 'd-3', occurredAt: '2026-11-24 09:00:00', lotCode: 'LOT-I1', plate: '苏FD0101' },
      { type: 'entry', eventId: 'c-1', occurredAt: '2026-11-20 08:00:00', lotCode: 'LOT-I1', plate: '苏FC0001' }, // imported before
    ];
    const file = write('dry.jsonl', lines.map((l) => JSON.stringify(l)).join('\n'));
    const before = await Promise.all([count('ingest_events'), count('ingest_quarantine'), count('parking_sessions'), count('audit_log')]);
    const dry = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'dry.jsonl', dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, rows: 4, accepted: 2, duplicates: 1, rejected: 1, quarantined: 0 });
    expect(dry.errors).toEqual([expect.objectContaining({ row: 2, eventId: 'd-2', code: 'UNKNOWN_LOT' })]);
    expect(await Promise.all([count('ingest_events'), count('ingest_quarantine'), count('parking_sessions'), count('audit_log')])).toEqual(before);

    const real = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'dry.jsonl' });
    expect(real).toMatchObject({ rows: 4, accepted: 2, duplicates: 1, rejected: 1 });
    const again = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'dry.jsonl' });
    expect(again).toMatchObject({ rows: 4, accepted: 0, duplicates: 3, rejected: 1 });
    expect(await sessionsOf('苏FD0101')).toHaveLength(1);
  });

  it('pairs across chunks and out of order, reporting progress after each chunk', async () => {
    // Exits before their entries, split over chunks of two.
    const lines = [
      { type: 'exit', eventId: 'k-out-1', occurredAt: '2026-11-24 12:00:00', lotCode: 'LOT-I2', plate: '苏FK1001', entryEventId: 'k-in-1', paidFen: 800 },
      { type: 'exit', eventId: 'k-out-2', occurredAt: '2026-11-24 13:00:00', lotCode: 'LOT-I2', plate: '苏FK1002' },
      { type: 'status', eventId: 'k-st', occurredAt: '2026-11-24 12:30:00', lotCode: 'LOT-I2', totalSpaces: 100, freeSpaces: 40 },
      { type: 'entry', eventId: 'k-in-1', occurredAt: '2026-11-24 10:00:00', lotCode: 'LOT-I2', plate: '苏FK1001' },
      { type: 'entry', eventId: 'k-in-2', occurredAt: '2026-11-24 11:00:00', lotCode: 'LOT-I2', plate: '苏FK1002' },
    ];
    const file = write('pairs.ndjson', lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const progress: ImportProgress[] = [];
    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'pairs.ndjson', chunkSize: 2, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ rows: 5, accepted: 5, rejected: 0, quarantined: 0 });
    expect(progress.map((p) => p.rows)).toEqual([2, 4, 5]);
    expect(progress.at(-1)).toMatchObject({ bytesRead: statSync(file).size, totalBytes: statSync(file).size, accepted: 5 });
    expect((await sessionsOf('苏FK1001')).map((s) => [s.entry_event_id, s.exit_event_id, s.paid_fen, s.flags])).toEqual([['k-in-1', 'k-out-1', 800, []]]);
    expect((await sessionsOf('苏FK1002')).map((s) => [s.entry_event_id, s.exit_event_id, s.flags])).toEqual([['k-in-2', 'k-out-2', []]]);
    // Imported data moves the data's freshness, not the link's: nothing was received from the source itself.
    const live = await env.ctx.db.selectFrom('lot_live').innerJoin('lots', 'lots.id', 'lot_live.lot_id').selectAll('lot_live').where('lots.code', '=', 'LOT-I2').executeTakeFirstOrThrow();
    expect([live.last_occurred_at?.toISOString(), live.last_received_at, live.free_spaces]).toEqual(['2026-11-24T05:00:00.000Z', null, 40]);
    const source = await env.ctx.db.selectFrom('source_live').selectAll().where('source_code', '=', 'VENDOR-I').executeTakeFirstOrThrow();
    expect(source.last_received_at).toBeNull();
    expect(source.last_occurred_at).not.toBeNull();
  });

  it('survives hostile lines: NUL, deep nesting, a huge number', async () => {
    const deep = `{"type":"heartbeat","eventId":"deep","occurredAt":"2026-11-24 00:00:00","x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const file = write('hostile.jsonl', [
      '{"type":"heartbeat","eventId":"nul\\u0000","occurredAt":"2026-11-24 00:00:00"}',
      deep,
      '{"type":"status","eventId":"huge","occurredAt":"2026-11-24 00:00:00","lotCode":"LOT-I1","totalSpaces":1e400,"freeSpaces":1}',
      '{"type":"heartbeat","eventId":"fine","occurredAt":"2026-11-24 00:00:00"}',
    ].join('\n'));
    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'hostile.jsonl' });
    expect(result).toMatchObject({ rows: 4, accepted: 1, rejected: 3, quarantined: 1 });
    expect(result.errors.map((e) => [e.row, e.code])).toEqual([[1, 'INVALID_FIELD'], [2, 'INVALID_FIELD'], [3, 'INVALID_FIELD']]);
  });

  it('keeps at most maxErrors error rows and says so', async () => {
    const file = write('many-bad.jsonl', Array.from({ length: 30 }, (_, i) => `{bad ${i}`).join('\n'));
    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'many-bad.jsonl', maxErrors: 10, chunkSize: 7 });
    expect(result).toMatchObject({ rows: 30, rejected: 30, truncated: true, quarantined: 5 });
    expect(result.errors.map((e) => e.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('refuses an unknown source and an unsupported file', async () => {
    const file = write('x.jsonl', '');
    await expect(importEvents(env.ctx, actor, { sourceCode: 'NOPE', input: file, fileName: 'x.jsonl' })).rejects.toMatchObject({ status: 400, code: 'UNKNOWN_SOURCE' });
    await expect(importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'x.json' })).rejects.toMatchObject({ status: 400, code: 'INVALID_FILE' });
    await expect(importEvents(env.ctx, actor, { sourceCode: 'VENDOR-I', input: file, fileName: 'x.xls' })).rejects.toMatchObject({ status: 400, code: 'INVALID_FILE' });
  });

  it('imports a generated 200,000-row JSON lines file chunk by chunk', async () => {
    const file = path.join(dir, 'big.jsonl');
    const out: string[] = [];
    for (let i = 0; i < 200_000; i++) out.push(`{"type":"heartbeat","eventId":"big-${i}","occurredAt":"2026-11-24 00:00:00"}`);
    writeFileSync(file, out.join('\n'));
    out.length = 0;
    const size = statSync(file).size;
    const progress: ImportProgress[] = [];
    const result = await importEvents(env.ctx, actor, { sourceCode: 'VENDOR-J', input: file, fileName: 'big.jsonl', onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ rows: 200_000, accepted: 200_000, rejected: 0, errors: [] });
    expect(progress).toHaveLength(200);
    // Read as it went: after the first chunk only a little of the file had been taken.
    expect(progress[0]!.bytesRead).toBeLessThan(size / 10);
    expect(progress.at(-1)!.bytesRead).toBe(size);
  }, 300_000);

  describe('HTTP', () => {
    const upload = (token: string, fileName: string, content: string | Buffer, query = 'sourceCode=VENDOR-I') => {
      const body = multipart(fileName, content);
      return env.app.inject({ method: 'POST', url: `/api/v1/ingest/import?${query}`, headers: { ...bearer(token), ...body.headers }, payload: body.payload });
    };

    it('imports an uploaded file, dry run first', async () => {
      const csv = '类型,事件编号,发生时间,车场编码,车牌\n入场,h-1,2026-11-24 15:00:00,LOT-I1,苏FH0001\n入场,h-2,2026-11-24 15:00:00,LOT-I1,苏FH00\n';
      const dry = await upload(admin, '上传.csv', csv, 'sourceCode=VENDOR-I&dryRun=true');
      expect(dry.statusCode).toBe(200);
      expect(dry.json()).toMatchObject({ dryRun: true, fileName: '上传.csv', rows: 2, accepted: 1, rejected: 1, errors: [{ row: 3, eventId: 'h-2', code: 'INVALID_PLATE' }], truncated: false });
      expect(await sessionsOf('苏FH0001')).toHaveLength(0);
      const real = await upload(admin, '上传.csv', csv);
      expect(real.json()).toMatchObject({ dryRun: false, rows: 2, accepted: 1, rejected: 1, quarantined: 1 });
      expect(await sessionsOf('苏FH0001')).toHaveLength(1);
    });

    it('answers 4xx for bad requests, and 403 without the ops permission', async () => {
      const bad = (res: { statusCode: number; json: () => { error: { code: string } } }) => [res.statusCode, res.json().error.code];
      expect(bad(await upload(admin, 'a.csv', 'x', 'sourceCode=NOPE'))).toEqual([400, 'UNKNOWN_SOURCE']);
      expect(bad(await upload(admin, 'a.pdf', 'x'))).toEqual([400, 'INVALID_FILE']);
      expect(bad(await upload(admin, 'a.csv', '车牌\n苏F12345\n'))).toEqual([400, 'MISSING_COLUMNS']);
      expect(bad(await upload(admin, 'a.xlsx', 'not a workbook'))).toEqual([400, 'INVALID_FILE']);
      expect(bad(await env.app.inject({ method: 'POST', url: '/api/v1/ingest/import?sourceCode=VENDOR-I', headers: bearer(admin), payload: { file: 'x' } }))).toEqual([400, 'INVALID_FILE']);
      expect((await upload(admin, 'a.csv', 'x', '')).statusCode).toBe(400);
      const viewer = await userToken(env.app, admin, { username: 'import-viewer', role: 'viewer' });
      expect(bad(await upload(viewer, 'a.csv', 'x'))).toEqual([403, 'FORBIDDEN']);
      const doc = (await env.app.inject({ url: '/api/openapi.json' })).json();
      expect(Object.keys(doc.paths['/api/v1/ingest/import'].post.requestBody.content)).toEqual(['multipart/form-data']);
    });
  });
});
