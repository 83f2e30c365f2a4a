import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { maskPlate } from '../../platform/plates.js';
import type { Permission } from '../../platform/auth/permissions.js';
import { exportSessions, HEADERS } from './records-export.js';
import type { SessionItem } from './records-query.js';

/*
 * 停车流水 through the public API only: the data arrives as signed ingest batches (entries,
 * exits, an exit without its entry, an exit that carries its entry time, a car still inside),
 * and is read back through /api/v1/sessions as different users.
 */

type Item = Omit<SessionItem, 'flags'> & { flags: string[] };

/** Shanghai wall time → ISO instant. */
const sh = (t: string) => new Date(`${t.replace(' ', 'T')}+08:00`).toISOString();

const entry = (eventId: string, lotCode: string, plate: string, occurredAt: string, extra: Record<string, unknown> = {}) => ({ type: 'entry', eventId, occurredAt, lotCode, plate, ...extra });
const exit = (eventId: string, lotCode: string, plate: string, occurredAt: string, extra: Record<string, unknown> = {}) => ({ type: 'exit', eventId, occurredAt, lotCode, plate, ...extra });

// The pagination set: 12 cars in at the very same second (a tie the cursor must cross), 13 more later.
const BULK = [
  ...Array.from({ length: 12 }, (_, i) => ({ plate: `苏B100${String(i + 1).padStart(2, '0')}`, at: '2026-11-20 10:00:00' })),
  ...Array.from({ length: 13 }, (_, i) => ({ plate: `苏B200${String(i + 1).padStart(2, '0')}`, at: `2026-11-20 11:${String(i * 4).padStart(2, '0')}:00` })),
];

describeDb('sessions: parking records', (backend) => {
  let env: TestEnv;
  let admin: string;
  let viewer: string;
  let tzUser: string; // district user of 通州区 320612
  let cc: TestSource;
  let tz: TestSource;
  let all: Item[];
  const byPlate = (plate: string, lotCode?: string) => all.find((i) => i.plate === plate && (!lotCode || i.lotCode === lotCode))!;

  const get = (token: string, url: string) => env.app.inject({ method: 'GET', url, headers: bearer(token) });
  const list = async (token: string, qs: Record<string, string> = {}): Promise<{ items: Item[]; nextCursor: string | null }> => {
    const res = await get(token, `/api/v1/sessions?${new URLSearchParams({ limit: '500', ...qs })}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const plates = async (qs: Record<string, string>, token = admin) => (await list(token, qs)).items.map((i) => i.plate);
  const auditRows = () => env.ctx.db.selectFrom('audit_log').select(['id', 'action', 'actor', 'target_type', 'target_id', 'detail']).where('action', '=', 'session.read_pii').orderBy('id').execute();
  const post = async (source: TestSource, events: unknown[]) => {
    const res = await postEvents(env, source, events);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rejected, res.body).toBe(0);
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    tzUser = await userToken(env.app, admin, { username: 'tz-staff', role: 'district', districtCode: '320612' });
    cc = await createSourceWithLots(env, admin, 'S-CC', [{ code: 'R-CC-1' }, { code: 'R-CC-2' }, { code: 'R-CC-3' }]);
    tz = await createSourceWithLots(env, admin, 'S-TZ', [{ code: 'R-TZ-1', districtCode: '320612' }]);

    await post(cc, [
      entry('e1', 'R-CC-1', '苏F12345', '2026-11-23 08:00:00', { plateColor: 'blue', berthCode: 'B-01' }),
      entry('e2', 'R-CC-1', '苏F·A1234', '2026-11-23T23:30:00+08:00'),
      entry('e3', 'R-CC-2', '苏FD12345', '2026-11-24 09:00:00', { plateColor: 'green' }),
      ...BULK.map((b, i) => entry(`b-in-${i}`, 'R-CC-3', b.plate, b.at)),
    ]);
    await post(cc, [
      exit('x1', 'R-CC-1', '苏F12345', '2026-11-23 10:30:30', { receivableFen: 1250, paidFen: 1250, payChannel: 'wechat' }),
      exit('x2', 'R-CC-1', '苏FA1234', '2026-11-24T01:00:00+08:00', { receivableFen: 800, paidFen: 300, payChannel: 'alipay' }),
      exit('x4', 'R-CC-2', '苏F99999', '2026-11-24 12:00:00', { receivableFen: 500, paidFen: 500, payChannel: 'cash' }),
      exit('x5', 'R-CC-1', '苏FA12345', '2026-11-22 18:00:00', { enteredAt: '2026-11-22 16:00:00', receivableFen: 600, paidFen: 600, payChannel: 'unionpay' }),
      ...BULK.map((b, i) => exit(`b-out-${i}`, 'R-CC-3', b.plate, '2026-11-20 13:00:00', { receivableFen: 0, paidFen: 0, payChannel: 'free' })),
    ]);
    await post(tz, [entry('t-in', 'R-TZ-1', '苏F12345', '2026-11-22 12:00:00'), exit('t-out', 'R-TZ-1', '苏F12345', '2026-11-22 13:00:00')]);
    all = (await list(admin)).items;
  });
  afterAll(() => env.close());

  describe('list', () => {
    it('answers the contract shape, newest first by entry time (exit time when the entry is unknown)', async () => {
      expect(all).toHaveLength(6 + BULK.length);
      expect(all.slice(0, 6).map((i) => `${i.lotCode} ${i.plate}`)).toEqual([
        'R-CC-2 苏F99999', // exit only: its exit time, 11-24 12:00
        'R-CC-2 苏FD12345',
        'R-CC-1 苏FA1234',
        'R-CC-1 苏F12345',
        'R-CC-1 苏FA12345', // entry time taken from the exit: 11-22 16:00
        'R-TZ-1 苏F12345',
      ]);
      expect(byPlate('苏F12345', 'R-CC-1')).toEqual({
        id: expect.any(Number),
        lotCode: 'R-CC-1',
        lotName: '停车场 R-CC-1',
        districtCode: '320602',
        plate: '苏F12345',
        plateColor: 'blue',
        berthCode: 'B-01',
        enteredAt: sh('2026-11-23 08:00:00'),
        exitedAt: sh('2026-11-23 10:30:30'),
        durationMinutes: 150, // 150.5 minutes, floored
        receivableFen: 1250,
        paidFen: 1250,
        arrearsFen: 0,
        payChannel: 'wechat',
        state: 'closed',
        flags: [],
        excludedByFix: null,
      });
      expect(byPlate('苏FA1234')).toMatchObject({ durationMinutes: 90, receivableFen: 800, paidFen: 300, arrearsFen: 500, payChannel: 'alipay', state: 'closed' });
      expect(byPlate('苏FD12345')).toMatchObject({ state: 'open', exitedAt: null, durationMinutes: null, receivableFen: null, arrearsFen: null, plateColor: 'green' });
      expect(byPlate('苏F99999')).toMatchObject({ enteredAt: null, exitedAt: sh('2026-11-24 12:00:00'), durationMinutes: null, arrearsFen: 0, state: 'closed' });
      expect(byPlate('苏F99999').flags).toContain('no_entry');
      expect(byPlate('苏FA12345')).toMatchObject({ enteredAt: sh('2026-11-22 16:00:00'), durationMinutes: 120, payChannel: 'unionpay' });
      expect(byPlate('苏FA12345').flags).toContain('entry_from_exit');
      expect(byPlate('苏F12345', 'R-TZ-1')).toMatchObject({ districtCode: '320612', receivableFen: null, paidFen: null, arrearsFen: null, durationMinutes: 60 });
      // The default page is 50.
      const firstPage = (await get(admin, '/api/v1/sessions')).json();
      expect(firstPage.items).toHaveLength(31);
      expect(firstPage.nextCursor).toBeNull();
    });

    it('filters by plate: exact for a whole valid plate, else a part of the normalised plate', async () => {
      expect(await plates({ plate: '苏F12345' })).toEqual(['苏F12345', '苏F12345']);
      expect(await plates({ plate: '苏FA1234' })).toEqual(['苏FA1234']); // not 苏FA12345, which contains it
      expect(await plates({ plate: ' 苏f·a1234 ' })).toEqual(['苏FA1234']); // normalised first
      expect(await plates({ plate: 'FA1234' })).toEqual(['苏FA1234', '苏FA12345']);
      expect(await plates({ plate: '12345' })).toEqual(['苏FD12345', '苏F12345', '苏FA12345', '苏F12345']);
      expect(await plates({ plate: 'ｆ９９' })).toEqual(['苏F99999']); // full-width
      expect(await plates({ plate: '%' })).toEqual([]); // LIKE wildcards are literal
      expect((await plates({ plate: '苏B100' })).length).toBe(12);
    });

    it('filters by lot, district, pay channel and state', async () => {
      expect(await plates({ lotCode: 'R-CC-2' })).toEqual(['苏F99999', '苏FD12345']);
      expect(await plates({ lotCode: 'NOPE' })).toEqual([]);
      expect(await plates({ districtCode: '320612' })).toEqual(['苏F12345']);
      expect((await list(admin, { districtCode: '320602' })).items).toHaveLength(30);
      expect(await plates({ payChannel: 'alipay' })).toEqual(['苏FA1234']);
      expect(await plates({ payChannel: 'WECHAT' })).toEqual(['苏F12345']);
      expect((await plates({ payChannel: 'free' })).length).toBe(25);
      expect(await plates({ state: 'open' })).toEqual(['苏FD12345']);
      expect((await list(admin, { state: 'closed' })).items.map((i) => i.id)).toEqual(all.filter((i) => i.state === 'closed').map((i) => i.id));
      const flagged = (await list(admin, { state: 'flagged' })).items;
      expect(flagged.map((i) => i.id)).toEqual(all.filter((i) => i.flags.length > 0).map((i) => i.id));
      expect(flagged.map((i) => i.plate)).toEqual(expect.arrayContaining(['苏F99999', '苏FA12345']));
      expect(flagged.map((i) => i.plate)).not.toContain('苏FA1234');
      expect(await plates({ lotCode: 'R-CC-1', state: 'closed', payChannel: 'wechat', plate: '12345' })).toEqual(['苏F12345']);
    });

    it('filters by time: Shanghai dates (to = the whole day), naive Shanghai times and ISO (a time to is exclusive)', async () => {
      expect(await plates({ from: '2026-11-23', to: '2026-11-23' })).toEqual(['苏FA1234', '苏F12345']); // 23:30 and 08:00 that day
      expect(await plates({ from: '2026-11-24', to: '2026-11-24' })).toEqual(['苏F99999', '苏FD12345']); // the exit-only one by its exit
      expect(await plates({ from: '2026-11-24' })).toEqual(['苏F99999', '苏FD12345']);
      expect(await plates({ to: '2026-11-19' })).toEqual([]);
      expect(await plates({ from: '2026-11-23 08:00:00', to: '2026-11-23 23:30:00' })).toEqual(['苏F12345']);
      expect(await plates({ from: '2026-11-23 08:00:01', to: '2026-11-23 23:30:01' })).toEqual(['苏FA1234']);
      expect(await plates({ from: '2026-11-23T15:30:00Z', to: '2026-11-24T01:00:00Z' })).toEqual(['苏FA1234']); // 苏FD12345 entered at 01:00Z
      expect(await plates({ from: '2026-11-23T15:30:00.000+00:00', to: '2026-11-24T09:00:00+08:00' })).toEqual(['苏FA1234']);
      expect(await plates({ from: '2026-11-22T16:00:00', to: '2026-11-22T16:00:01' })).toEqual(['苏FA12345']); // no offset: Shanghai
      expect((await plates({ from: '2026-11-20', to: '2026-11-20' })).length).toBe(25);
      expect(await plates({ from: '2026-11-20 10:00:00', to: '2026-11-20 10:00:01' })).toEqual(Array.from({ length: 12 }, (_, i) => `苏B100${String(12 - i).padStart(2, '0')}`));
    });

    it('refuses bad parameters with 400 and a specific code', async () => {
      const cases: [string, string][] = [
        ['from=2026-13-01', 'INVALID_TIME'],
        ['from=2026-02-30', 'INVALID_TIME'],
        ['to=yesterday', 'INVALID_TIME'],
        ['from=2026-11-23 25:00:00', 'INVALID_TIME'],
        ['from=1764000000', 'INVALID_TIME'],
        ['from=2026-11-24&to=2026-11-23', 'INVALID_TIME_RANGE'],
        ['from=2026-11-20 10:00:00&to=2026-11-20 10:00:00', 'INVALID_TIME_RANGE'],
        ['state=parked', 'INVALID_STATE'],
        ['payChannel=bitcoin', 'INVALID_PAY_CHANNEL'],
        ['districtCode=chongchuan', 'INVALID_DISTRICT'],
        ['cursor=garbage!', 'INVALID_CURSOR'],
        ['cursor=bm90LWpzb24', 'INVALID_CURSOR'], // base64url of "not-json"
        [`cursor=${Buffer.from(JSON.stringify(['2026-11-20', 5])).toString('base64url')}`, 'INVALID_CURSOR'],
        [`cursor=${Buffer.from(JSON.stringify([null, -1])).toString('base64url')}`, 'INVALID_CURSOR'],
        ['limit=0', 'INVALID_LIMIT'],
        ['limit=501', 'INVALID_LIMIT'],
        ['limit=ten', 'INVALID_LIMIT'],
        ['limit=2.5', 'INVALID_LIMIT'],
        [`plate=${'苏'.repeat(40)}`, 'VALIDATION_FAILED'],
      ];
      for (const [qs, code] of cases) {
        const res = await get(admin, `/api/v1/sessions?${encodeURI(qs)}`);
        expect({ qs, status: res.statusCode, code: res.json().error?.code }).toEqual({ qs, status: 400, code });
      }
      expect((await env.app.inject({ url: '/api/v1/sessions' })).statusCode).toBe(401);
      expect((await get(admin, '/api/v1/sessions/abc')).json().error.code).toBe('INVALID_ID');
      expect((await get(admin, '/api/v1/sessions/999999')).statusCode).toBe(404);
      expect((await get(admin, '/api/v1/sessions/export?format=pdf')).json().error.code).toBe('INVALID_FORMAT');
      expect((await get(admin, '/api/v1/sessions/export?from=nope')).json().error.code).toBe('INVALID_TIME');
    });
  });

  describe('pagination', () => {
    it('walks keyset pages without duplicates or gaps, across ties, while new data arrives', async () => {
      const seen: Item[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: Item[]; nextCursor: string | null } = await list(admin, { limit: '7', ...(cursor ? { cursor } : {}) });
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
        if (pages === 1) {
          // A car arrives (newer than everything) and a late upload lands in the past, after page 1.
          await post(cc, [entry('late-new', 'R-CC-3', '苏C00001', '2026-11-25 09:00:00'), entry('late-old', 'R-CC-3', '苏C00002', '2026-11-19 09:00:00')]);
        }
      } while (cursor && pages < 20);
      // The new car sorts before page 1's position and never shows up; the old upload sorts after and does.
      expect(seen.map((i) => i.id)).toEqual([...all.map((i) => i.id), expect.any(Number)]);
      expect(seen.at(-1)!.plate).toBe('苏C00002');
      expect(new Set(seen.map((i) => i.id)).size).toBe(seen.length);
      expect(pages).toBe(5);
      // The tie: the 12 cars of 10:00:00 come in id order (descending), split over two pages.
      const tie = seen.filter((i) => i.plate.startsWith('苏B100'));
      expect(tie.map((i) => i.id)).toEqual([...tie.map((i) => i.id)].sort((a, b) => b - a));

      // Filters page too, and the last page says so.
      const p1 = await list(admin, { lotCode: 'R-CC-3', limit: '20' });
      expect(p1.items).toHaveLength(20);
      const p2 = await list(admin, { lotCode: 'R-CC-3', limit: '20', cursor: p1.nextCursor! });
      expect(p2.items).toHaveLength(BULK.length + 2 - 20);
      expect(p2.nextCursor).toBeNull();
      all = (await list(admin)).items;
    });
  });

  describe('personal data', () => {
    it('masks plates for a user without pii, and writes no audit row for masked reads', async () => {
      const before = (await auditRows()).length;
      const masked = (await list(viewer)).items;
      expect(masked.map((i) => i.id)).toEqual(all.map((i) => i.id));
      expect(masked.map((i) => i.plate)).toEqual(all.map((i) => maskPlate(i.plate)));
      expect(masked.find((i) => i.id === byPlate('苏F12345', 'R-CC-1').id)!.plate).toBe('苏F1**45');
      expect(masked.find((i) => i.id === byPlate('苏FA12345').id)!.plate).toBe('苏FA***45');
      // A viewer may still search by a whole plate; the answer stays masked (and is audited as a
      // plate search, not as an unmasked read: src/modules/sessions/plate-search.test.ts).
      expect(await plates({ plate: '苏F12345' }, viewer)).toEqual(['苏F1**45', '苏F1**45']);
      expect((await auditRows()).length).toBe(before);
    });

    it('audits every unmasked response once, with the filter and the count but not the plates', async () => {
      const before = (await auditRows()).length;
      await list(admin, { lotCode: 'R-CC-1', state: 'closed' });
      await list(admin, { lotCode: 'NOPE' }); // nothing unmasked went out: nothing to audit
      const rows = (await auditRows()).slice(before);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'session.read_pii', actor: 'admin', target_type: 'parking_session', detail: { filter: { lotCode: 'R-CC-1', state: 'closed' }, count: 3 } });
      expect(JSON.stringify(rows[0]!.detail)).not.toMatch(/苏F12345|苏FA1234/);
    });

    it('shows a session with its events; masked inside the payload too for a viewer', async () => {
      const id = byPlate('苏F12345', 'R-CC-1').id;
      const before = (await auditRows()).length;
      const res = await get(admin, `/api/v1/sessions/${id}`);
      expect(res.statusCode).toBe(200);
      const detail = res.json();
      expect(detail).toMatchObject({ ...byPlate('苏F12345', 'R-CC-1') });
      expect(detail.events.map((e: { eventId: string; type: string }) => [e.eventId, e.type])).toEqual([['e1', 'entry'], ['x1', 'exit']]);
      expect(detail.events[0]).toMatchObject({ occurredAt: sh('2026-11-23 08:00:00'), receivedAt: env.clock.now().toISOString(), via: 'api', payload: { plate: '苏F12345', lotCode: 'R-CC-1' } });
      const rows = (await auditRows()).slice(before);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ target_id: String(id), detail: { count: 1 } });

      const masked = (await get(viewer, `/api/v1/sessions/${id}`)).json();
      expect(masked.plate).toBe('苏F1**45');
      expect(masked.events.map((e: { payload: { plate: string } }) => e.payload.plate)).toEqual(['苏F1**45', '苏F1**45']);
      expect(JSON.stringify(masked)).not.toContain('苏F12345');
      const raw = (await get(viewer, `/api/v1/sessions/${byPlate('苏FA1234').id}`)).json();
      expect(JSON.stringify(raw)).not.toMatch(/A1234/); // the raw '苏F·A1234' as sent is masked too
      expect((await auditRows()).length).toBe(before + 1);

      const exitOnly = (await get(admin, `/api/v1/sessions/${byPlate('苏F99999').id}`)).json();
      expect(exitOnly.events.map((e: { eventId: string }) => e.eventId)).toEqual(['x4']);
    });
  });

  describe('district scope', () => {
    it('shows a district user only its own district, everywhere', async () => {
      const own = byPlate('苏F12345', 'R-TZ-1');
      const other = byPlate('苏F12345', 'R-CC-1');
      expect((await list(tzUser)).items.map((i) => i.id)).toEqual([own.id]);
      expect((await list(tzUser)).items[0]!.plate).toBe('苏F1**45'); // district users have no pii
      expect((await list(tzUser, { districtCode: '320602' })).items).toEqual([]);
      expect((await list(tzUser, { lotCode: 'R-CC-1' })).items).toEqual([]);
      expect((await list(tzUser, { plate: '苏F12345' })).items.map((i) => i.id)).toEqual([own.id]);
      expect((await get(tzUser, `/api/v1/sessions/${own.id}`)).statusCode).toBe(200);
      const hidden = await get(tzUser, `/api/v1/sessions/${other.id}`);
      expect(hidden.statusCode).toBe(404);
      expect(hidden.json().error.code).toBe('NOT_FOUND');
      const csv = await get(tzUser, '/api/v1/sessions/export?format=csv');
      expect(csvRows(csv.rawPayload)).toHaveLength(2); // header + its one session
    });
  });

  describe('export', () => {
    const DISTRICT_NAMES: Record<string, string> = { '320602': '崇川区', '320612': '通州区' };

    it('exports .xlsx with Chinese headers, Shanghai times and yuan, matching the list', async () => {
      const before = (await auditRows()).length;
      const res = await get(admin, '/api/v1/sessions/export?format=xlsx');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
      expect(decodeDisposition(String(res.headers['content-disposition']))).toBe('停车流水-2026-11-25.xlsx');
      const rows = await xlsxRows(res.rawPayload);
      expect(rows[0]).toEqual([...HEADERS]);
      expect(rows).toHaveLength(all.length + 1);
      expect(rows.slice(1).map((r) => `${r[0]} ${r[3]}`)).toEqual(all.map((i) => `${i.lotCode} ${i.plate}`));
      const e1 = rows[1 + all.indexOf(byPlate('苏F12345', 'R-CC-1'))]!;
      expect(e1).toEqual(['R-CC-1', '停车场 R-CC-1', '崇川区', '苏F12345', '2026-11-23 08:00:00', '2026-11-23 10:30:30', 150, 12.5, 12.5, 0, '微信', '已出场', null]);
      const x4 = rows[1 + all.indexOf(byPlate('苏F99999'))]!;
      expect(x4.slice(4, 13)).toEqual([null, '2026-11-24 12:00:00', null, 5, 5, 0, '现金', '已出场', '无入场记录']);
      const open = rows[1 + all.indexOf(byPlate('苏FD12345'))]!;
      expect(open.slice(4, 12)).toEqual(['2026-11-24 09:00:00', null, null, null, null, null, null, '在场']);
      for (const [i, item] of all.entries()) {
        const r = rows[i + 1]!;
        expect(r[2]).toBe(DISTRICT_NAMES[item.districtCode]);
        expect(r[6] ?? null).toBe(item.durationMinutes);
        expect(r[9] ?? null).toBe(item.arrearsFen === null ? null : item.arrearsFen / 100);
      }
      const audit = (await auditRows()).slice(before);
      expect(audit).toHaveLength(1);
      expect(audit[0]!.detail).toEqual({ export: 'xlsx', filter: {}, count: all.length });
    });

    it('exports .csv as UTF-8 with BOM, yuan as 12.50, filtered like the list', async () => {
      const res = await get(admin, `/api/v1/sessions/export?${new URLSearchParams({ format: 'csv', lotCode: 'R-CC-1' })}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(decodeDisposition(String(res.headers['content-disposition']))).toBe('停车流水-2026-11-25.csv');
      expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows = csvRows(res.rawPayload);
      expect(rows[0]).toEqual([...HEADERS]);
      const items = (await list(admin, { lotCode: 'R-CC-1' })).items;
      expect(rows.slice(1).map((r) => r[3])).toEqual(items.map((i) => i.plate));
      expect(rows.slice(1)).toEqual([
        ['R-CC-1', '停车场 R-CC-1', '崇川区', '苏FA1234', '2026-11-23 23:30:00', '2026-11-24 01:00:00', '90', '8.00', '3.00', '5.00', '支付宝', '已出场', ''],
        ['R-CC-1', '停车场 R-CC-1', '崇川区', '苏F12345', '2026-11-23 08:00:00', '2026-11-23 10:30:30', '150', '12.50', '12.50', '0.00', '微信', '已出场', ''],
        ['R-CC-1', '停车场 R-CC-1', '崇川区', '苏FA12345', '2026-11-22 16:00:00', '2026-11-22 18:00:00', '120', '6.00', '6.00', '0.00', '银联', '已出场', '入场时间取自出场记录'],
      ]);
    });

    it('streams in keyset pages: small pages give the same file as one big page', async () => {
      const viewerActor = { userId: null, username: 'viewer1', role: 'viewer' as const, districtCode: null, permissions: new Set<Permission>(['registry:read']), ip: null };
      const csvOf = async (pageRows?: number) => streamText((await exportSessions(env.ctx, viewerActor, { format: 'csv' }, { pageRows })).stream);
      const whole = await csvOf();
      expect(await csvOf(4)).toBe(whole);
      expect(await csvOf(1)).toBe(whole);
      const rows = csvRows(Buffer.from(whole));
      expect(rows.slice(1).map((r) => r[3])).toEqual(all.map((i) => maskPlate(i.plate)));

      const before = (await auditRows()).length;
      const adminActor = { ...viewerActor, username: 'admin', role: 'admin' as const, permissions: new Set<Permission>(['registry:read', 'pii']) };
      const job = await exportSessions(env.ctx, adminActor, { format: 'xlsx', lotCode: 'R-CC-3' }, { pageRows: 5 });
      expect(job.fileName).toBe('停车流水-2026-11-25.xlsx');
      const sheet = await xlsxRows(await streamBuffer(job.stream));
      expect(sheet.slice(1).map((r) => r[3])).toEqual(all.filter((i) => i.lotCode === 'R-CC-3').map((i) => i.plate));
      const audit = (await auditRows()).slice(before);
      expect(audit.map((a) => a.detail)).toEqual([{ export: 'xlsx', filter: { lotCode: 'R-CC-3' }, count: 27 }]);
    });

    it('masks plates in exports without pii, and audits no unmasked read then', async () => {
      const before = (await auditRows()).length;
      for (const format of ['csv', 'xlsx']) {
        const res = await get(viewer, `/api/v1/sessions/export?format=${format}&lotCode=R-CC-1`);
        expect(res.statusCode).toBe(200);
        const rows = format === 'csv' ? csvRows(res.rawPayload) : await xlsxRows(res.rawPayload);
        expect(rows.slice(1).map((r) => r[3])).toEqual(['苏FA**34', '苏F1**45', '苏FA***45']);
        expect(res.rawPayload.includes(Buffer.from('12345'))).toBe(false);
      }
      // A viewer's export by a whole plate: masked too (audited as a plate search, src/modules/sessions/plate-search.test.ts).
      const byPlate = await get(viewer, `/api/v1/sessions/export?format=csv&plate=${encodeURIComponent('苏F12345')}`);
      expect(csvRows(byPlate.rawPayload).slice(1).map((r) => r[3])).toEqual(['苏F1**45', '苏F1**45']);
      expect((await auditRows()).length).toBe(before);
      const empty = await get(admin, '/api/v1/sessions/export?format=csv&lotCode=NOPE');
      expect(csvRows(empty.rawPayload)).toEqual([[...HEADERS]]);
      expect((await auditRows()).length).toBe(before); // nothing unmasked went out
    });
  });
});

async function streamBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

async function streamText(stream: Readable): Promise<string> {
  return (await streamBuffer(stream)).toString('utf8');
}

function csvRows(body: Buffer): string[][] {
  return parseCsv(body, { bom: true, relax_column_count: false }) as string[][];
}

async function xlsxRows(file: Buffer): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file as unknown as ExcelJS.Buffer);
  const sheet = wb.worksheets[0]!;
  const width = sheet.getRow(1).cellCount;
  const out: unknown[][] = [];
  sheet.eachRow((row) => out.push(Array.from({ length: width }, (_, i) => row.getCell(i + 1).value ?? null)));
  return out;
}

function decodeDisposition(header: string): string {
  const m = /filename\*=UTF-8''([^;]+)/.exec(header);
  return m ? decodeURIComponent(m[1]!) : '';
}
