import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { signBody } from '../../platform/signing.js';
import { flagStaleSessions } from '../sessions/index.js';

describeDb('ingest API', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;
  let other: TestSource;
  let seq = 0;
  const id = (p = 'e') => `${p}-${++seq}`;
  const iso = (minutesAgo: number) => new Date(env.clock.now().getTime() - minutesAgo * 60_000).toISOString();

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    src = await createSourceWithLots(env, admin, 'VENDOR-A', [{ code: 'LOT-A1', totalSpaces: 50 }, { code: 'LOT-A2' }]);
    other = await createSourceWithLots(env, admin, 'VENDOR-B', [{ code: 'LOT-B1' }]);
  });
  afterAll(() => env.close());

  const sessionsOf = (plate: string) =>
    env.ctx.db.selectFrom('parking_sessions').selectAll().where('plate', '=', plate).orderBy('id').execute();

  describe('signature and envelope', () => {
    const body = JSON.stringify({ events: [{ type: 'heartbeat', eventId: 'hb-sig', occurredAt: '2026-11-25T10:00:00+08:00' }] });
    const send = (headers: Record<string, string>, payload = body) =>
      env.app.inject({ method: 'POST', url: '/api/v1/ingest/events', headers: { 'content-type': 'application/json', ...headers }, payload });
    const ts = () => String(Math.floor(env.clock.now().getTime() / 1000));

    it.each([
      ['no source header', () => ({ 'x-zhibo-timestamp': ts(), 'x-zhibo-signature': 'ab' }), 401, 'UNKNOWN_SOURCE'],
      ['unknown source', () => ({ 'x-zhibo-source': 'NOPE', 'x-zhibo-timestamp': ts(), 'x-zhibo-signature': 'ab' }), 401, 'UNKNOWN_SOURCE'],
      ['no signature', () => ({ 'x-zhibo-source': 'VENDOR-A', 'x-zhibo-timestamp': ts() }), 401, 'BAD_SIGNATURE'],
      ['wrong signature', () => ({ 'x-zhibo-source': 'VENDOR-A', 'x-zhibo-timestamp': ts(), 'x-zhibo-signature': signBody('wrong', ts(), body) }), 401, 'BAD_SIGNATURE'],
      ['signature of another body', () => ({ 'x-zhibo-source': 'VENDOR-A', 'x-zhibo-timestamp': ts(), 'x-zhibo-signature': signBody(src.secret, ts(), body + ' ') }), 401, 'BAD_SIGNATURE'],
      ['timestamp too old', () => {
        const old = String(Math.floor(env.clock.now().getTime() / 1000) - 301);
        return { 'x-zhibo-source': 'VENDOR-A', 'x-zhibo-timestamp': old, 'x-zhibo-signature': signBody(src.secret, old, body) };
      }, 401, 'SIGNATURE_EXPIRED'],
      ['timestamp in the future', () => {
        const ahead = String(Math.floor(env.clock.now().getTime() / 1000) + 301);
        return { 'x-zhibo-source': 'VENDOR-A', 'x-zhibo-timestamp': ahead, 'x-zhibo-signature': signBody(src.secret, ahead, body) };
      }, 401, 'SIGNATURE_EXPIRED'],
    ])('refuses %s', async (_name, headers, status, code) => {
      const res = await send(headers());
      expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
    });

    it('refuses a disabled source with 403', async () => {
      const off = await createSourceWithLots(env, admin, 'VENDOR-OFF', []);
      await env.app.inject({ method: 'PATCH', url: '/api/v1/sources/VENDOR-OFF', headers: bearer(admin), payload: { status: 'disabled' } });
      const res = await postEvents(env, off, [{ type: 'heartbeat', eventId: 'x', occurredAt: iso(0) }]);
      expect([res.statusCode, res.json().error.code]).toEqual([403, 'SOURCE_DISABLED']);
    });

    it('refuses bad JSON, a wrong shape and too many events, keeping each body in quarantine', async () => {
      const bad = await postEvents(env, src, [], { raw: '{"events": [' });
      expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_JSON']);
      const shape = await postEvents(env, src, [], { raw: '{"evts": []}' });
      expect([shape.statusCode, shape.json().error.code]).toEqual([400, 'INVALID_BODY']);
      const many = Array.from({ length: 1001 }, (_, i) => ({ type: 'heartbeat', eventId: `m${i}`, occurredAt: iso(0) }));
      const tooMany = await postEvents(env, src, many);
      expect([tooMany.statusCode, tooMany.json().error.code]).toEqual([413, 'TOO_MANY_EVENTS']);
      const kept = await env.ctx.db.selectFrom('ingest_quarantine').select(['raw_body', 'reasons']).where('source_code', '=', 'VENDOR-A').orderBy('id').execute();
      expect(kept.map((k) => k.reasons[0]!.code)).toEqual(expect.arrayContaining(['INVALID_JSON', 'INVALID_BODY', 'TOO_MANY_EVENTS']));
      expect(kept.some((k) => Buffer.from(k.raw_body).toString() === '{"events": [')).toBe(true);
    });

    it('refuses an oversized body with 413', async () => {
      const huge = JSON.stringify({ events: [{ type: 'heartbeat', eventId: 'big', occurredAt: iso(0), pad: 'x'.repeat(5 * 1024 * 1024) }] });
      const res = await postEvents(env, src, [], { raw: huge });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });

  describe('events', () => {
    it('accepts valid events, rejects each bad one with its code, and quarantines the request', async () => {
      const events = [
        { type: 'entry', eventId: 'ok-1', occurredAt: iso(30), lotCode: 'LOT-A1', plate: '苏F12345' },
        { type: 'entry', eventId: 'bad-plate', occurredAt: iso(30), lotCode: 'LOT-A1', plate: '无牌车' },
        { type: 'entry', eventId: 'bad-time', occurredAt: '25/11/2026 10:00', lotCode: 'LOT-A1', plate: '苏F12345' },
        { type: 'entry', eventId: 'future', occurredAt: new Date(env.clock.now().getTime() + 6 * 60_000).toISOString(), lotCode: 'LOT-A1', plate: '苏F12346' },
        { type: 'entry', eventId: 'not-bound', occurredAt: iso(30), lotCode: 'LOT-B1', plate: '苏F12347' },
        { type: 'entry', eventId: 'unknown-lot', occurredAt: iso(30), lotCode: 'NOWHERE', plate: '苏F12348' },
        { type: 'exit', eventId: 'bad-fen', occurredAt: iso(10), lotCode: 'LOT-A1', plate: '苏F12345', receivableFen: 12.5 },
        { type: 'teleport', eventId: 'bad-type', occurredAt: iso(1) },
        { type: 'entry', occurredAt: iso(1), lotCode: 'LOT-A1', plate: '苏F12345' },
        'not an object',
        { type: 'status', eventId: 'st-1', occurredAt: iso(5), lotCode: 'LOT-A1', totalSpaces: 50, freeSpaces: 60 },
      ];
      const res = await postEvents(env, src, events);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 9 });
      expect(body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
        'accepted', 'INVALID_PLATE', 'INVALID_TIME', 'FUTURE_TIME', 'LOT_NOT_BOUND', 'UNKNOWN_LOT', 'INVALID_FIELD', 'INVALID_FIELD', 'INVALID_FIELD', 'INVALID_FIELD', 'accepted',
      ]);
      const q = await env.ctx.db.selectFrom('ingest_quarantine').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      expect(q.rejected).toBe(9);
      expect(JSON.parse(Buffer.from(q.raw_body).toString()).events).toHaveLength(11);
      // An out-of-range status is accepted and flagged.
      const live = await env.ctx.db.selectFrom('lot_live').innerJoin('lots', 'lots.id', 'lot_live.lot_id').selectAll('lot_live').where('lots.code', '=', 'LOT-A1').executeTakeFirstOrThrow();
      expect(live).toMatchObject({ free_spaces: 60, total_spaces: 50, status_flagged: true });
    });

    it('treats a retried batch as duplicates with no further effect', async () => {
      const events = [
        { type: 'entry', eventId: 'r-1', occurredAt: iso(20), lotCode: 'LOT-A2', plate: '苏FR0001' },
        { type: 'exit', eventId: 'r-2', occurredAt: iso(5), lotCode: 'LOT-A2', plate: '苏FR0001', entryEventId: 'r-1', receivableFen: 500, paidFen: 500, payChannel: 'wechat' },
      ];
      const first = (await postEvents(env, src, events)).json();
      const again = (await postEvents(env, src, events)).json();
      expect(first).toMatchObject({ accepted: 2, duplicates: 0 });
      expect(again).toMatchObject({ accepted: 0, duplicates: 2, rejected: 0 });
      expect(await sessionsOf('苏FR0001')).toHaveLength(1);
      // The same id twice in one batch: the second is a duplicate.
      const twice = (await postEvents(env, src, [{ type: 'heartbeat', eventId: 'hb-2x', occurredAt: iso(0) }, { type: 'heartbeat', eventId: 'hb-2x', occurredAt: iso(0) }])).json();
      expect(twice.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'duplicate']);
      // Event ids are per source: another source may use the same id.
      const otherSource = (await postEvents(env, other, [{ type: 'heartbeat', eventId: 'r-1', occurredAt: iso(0) }])).json();
      expect(otherSource.accepted).toBe(1);
    });

    it('accepts 无牌车 with the lot system\'s ticket id, pairs the exit by that ticket, refuses one without', async () => {
      const events = [
        { type: 'entry', eventId: 'nop-1', occurredAt: iso(50), lotCode: 'LOT-A2', plate: '无牌车', ticketId: 'T-2026-881' },
        { type: 'entry', eventId: 'nop-2', occurredAt: iso(45), lotCode: 'LOT-A2', plate: '临时车', ticketId: 'T2026882' },
        // The exit names no plate, only the ticket (written another way): paired with np-1.
        { type: 'exit', eventId: 'nop-3', occurredAt: iso(10), lotCode: 'LOT-A2', ticketId: 't2026881', receivableFen: 300, paidFen: 300, payChannel: 'cash' },
        { type: 'entry', eventId: 'nop-4', occurredAt: iso(40), lotCode: 'LOT-A2', plate: '无牌车' },
        { type: 'exit', eventId: 'nop-5', occurredAt: iso(5), lotCode: 'LOT-A2' },
      ];
      const body = (await postEvents(env, src, events)).json();
      expect(body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual(['accepted', 'accepted', 'accepted', 'INVALID_PLATE', 'INVALID_PLATE']);
      expect(body.results[3].message).toContain('ticketId');
      const first = await sessionsOf('无牌车#T2026881');
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ plate_raw: '无牌车', state: 'closed', paid_fen: 300, entry_event_id: 'nop-1', exit_event_id: 'nop-3' });
      const second = await sessionsOf('无牌车#T2026882');
      expect(second.map((s) => [s.plate_raw, s.state])).toEqual([['临时车', 'open']]);
      // A search by the ticket finds the record, masked for a user without pii but still a 无牌车.
      const viewer = await userToken(env.app, admin, { username: 'np-viewer', role: 'viewer' });
      const found = await env.app.inject({ method: 'GET', url: `/api/v1/sessions?plate=${encodeURIComponent('无牌车#T2026881')}`, headers: bearer(viewer) });
      expect(found.statusCode).toBe(200);
      expect(found.json().items.map((i: { plate: string }) => i.plate)).toEqual(['无牌车*******81']);
    });

    it('normalises plates and keeps the raw value', async () => {
      const raws = ['苏f·a1234', '苏Ｆ　Ａ１２３５', ' 苏F-DA1236 '];
      const res = await postEvents(env, src, raws.map((plate, i) => ({ type: 'entry', eventId: id('np'), occurredAt: iso(50 - i), lotCode: 'LOT-A1', plate })));
      expect(res.json().accepted).toBe(3);
      const rows = await env.ctx.db.selectFrom('parking_sessions').select(['plate', 'plate_raw']).where('plate_raw', 'in', raws).orderBy('id').execute();
      expect(rows).toEqual([
        { plate: '苏FA1234', plate_raw: '苏f·a1234' },
        { plate: '苏FA1235', plate_raw: '苏Ｆ　Ａ１２３５' },
        { plate: '苏FDA1236', plate_raw: ' 苏F-DA1236 ' },
      ]);
    });

    it('reads naive timestamps as Shanghai time', async () => {
      await postEvents(env, src, [{ type: 'entry', eventId: 'naive-1', occurredAt: '2026-11-25 08:30:00', lotCode: 'LOT-A1', plate: '苏FN0001' }]);
      const [s] = await sessionsOf('苏FN0001');
      expect(s!.entered_at!.toISOString()).toBe('2026-11-25T00:30:00.000Z');
    });
  });

  describe('pairing', () => {
    it('pairs by entryEventId, else the latest open entry of the plate', async () => {
      await postEvents(env, src, [
        { type: 'entry', eventId: 'p-in-1', occurredAt: iso(300), lotCode: 'LOT-A1', plate: '苏FP0001', plateColor: 'blue', berthCode: 'B1' },
        { type: 'exit', eventId: 'p-out-1', occurredAt: iso(240), lotCode: 'LOT-A1', plate: '苏FP0001', receivableFen: 800, paidFen: 500, payChannel: 'Alipay' },
        { type: 'entry', eventId: 'p-in-2', occurredAt: iso(100), lotCode: 'LOT-A1', plate: '苏FP0001' },
      ]);
      const rows = await sessionsOf('苏FP0001');
      expect(rows.map((r) => [r.entry_event_id, r.exit_event_id, r.state])).toEqual([
        ['p-in-1', 'p-out-1', 'closed'],
        ['p-in-2', null, 'open'],
      ]);
      expect(rows[0]).toMatchObject({ receivable_fen: 800, paid_fen: 500, pay_channel: 'alipay', berth_code: 'B1', plate_color: 'blue', flags: [] });
    });

    it('pairs an exit that arrived before its entry when the entry comes', async () => {
      await postEvents(env, src, [{ type: 'exit', eventId: 'oo-out', occurredAt: iso(60), lotCode: 'LOT-A1', plate: '苏FK0001', entryEventId: 'oo-in' }]);
      let rows = await sessionsOf('苏FK0001');
      expect(rows.map((r) => [r.state, r.entered_at, r.flags])).toEqual([['closed', null, ['no_entry']]]);
      await postEvents(env, src, [{ type: 'entry', eventId: 'oo-in', occurredAt: iso(120), lotCode: 'LOT-A1', plate: '苏FK0001' }]);
      rows = await sessionsOf('苏FK0001');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ entry_event_id: 'oo-in', exit_event_id: 'oo-out', flags: [] });
      // Without an entry id: matched by plate to the earliest entry-less exit after the entry.
      await postEvents(env, src, [{ type: 'exit', eventId: 'oo-out-2', occurredAt: iso(30), lotCode: 'LOT-A1', plate: '苏FK0002' }]);
      await postEvents(env, src, [{ type: 'entry', eventId: 'oo-in-2', occurredAt: iso(90), lotCode: 'LOT-A1', plate: '苏FK0002' }]);
      expect((await sessionsOf('苏FK0002')).map((r) => [r.entry_event_id, r.exit_event_id, r.flags])).toEqual([['oo-in-2', 'oo-out-2', []]]);
    });

    it('keeps an exit whose entry never comes as a flagged session, with enteredAt when given', async () => {
      await postEvents(env, src, [
        { type: 'exit', eventId: 'ne-1', occurredAt: iso(10), lotCode: 'LOT-A1', plate: '苏FE0001' },
        { type: 'exit', eventId: 'ne-2', occurredAt: iso(10), lotCode: 'LOT-A1', plate: '苏FE0002', enteredAt: iso(70) },
      ]);
      const [a] = await sessionsOf('苏FE0001');
      const [b] = await sessionsOf('苏FE0002');
      expect(a).toMatchObject({ state: 'closed', entered_at: null, flags: ['no_entry'] });
      expect(b).toMatchObject({ state: 'closed', flags: ['entry_from_exit'] });
      expect(b!.entered_at!.toISOString()).toBe(iso(70));
    });

    it('folds a double read at the gate into one session', async () => {
      await postEvents(env, src, [
        { type: 'entry', eventId: 'dr-1', occurredAt: iso(40), lotCode: 'LOT-A1', plate: '苏FD0001' },
        { type: 'entry', eventId: 'dr-2', occurredAt: iso(39), lotCode: 'LOT-A1', plate: '苏FD0001' },
      ]);
      const rows = await sessionsOf('苏FD0001');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.flags).toEqual(['duplicate_entry']);
    });

    it('flags entries left open for days as stale, and unflags them when the exit comes', async () => {
      await postEvents(env, src, [{ type: 'entry', eventId: 'st-in', occurredAt: iso(5 * 24 * 60), lotCode: 'LOT-A1', plate: '苏FS0001' }]);
      expect(await flagStaleSessions(env.ctx.db, env.clock.now(), 3)).toBeGreaterThanOrEqual(1);
      expect((await sessionsOf('苏FS0001'))[0]!.flags).toEqual(['stale']);
      await postEvents(env, src, [{ type: 'exit', eventId: 'st-out', occurredAt: iso(1), lotCode: 'LOT-A1', plate: '苏FS0001' }]);
      expect((await sessionsOf('苏FS0001'))[0]).toMatchObject({ state: 'closed', flags: [] });
    });

    it('keeps freshness: newest event time per lot and source, and the last receipt', async () => {
      env.clock.advance(60_000);
      await postEvents(env, src, [{ type: 'status', eventId: id('f'), occurredAt: '2026-01-01 00:00:00', lotCode: 'LOT-A2', totalSpaces: 10, freeSpaces: 3 }]);
      const live = await env.ctx.db.selectFrom('lot_live').innerJoin('lots', 'lots.id', 'lot_live.lot_id').selectAll('lot_live').where('lots.code', '=', 'LOT-A2').executeTakeFirstOrThrow();
      // An old upload moves the receipt time, not the data time; nor does it overwrite newer status.
      expect(live.last_received_at!.toISOString()).toBe(env.clock.now().toISOString());
      expect(live.last_occurred_at!.getTime()).toBeGreaterThan(new Date('2026-01-01').getTime());
      const source = await env.ctx.db.selectFrom('source_live').selectAll().where('source_code', '=', 'VENDOR-A').executeTakeFirstOrThrow();
      expect(source.last_received_at!.toISOString()).toBe(env.clock.now().toISOString());
    });
  });

  describe('quarantine', () => {
    it('lists refused requests, shows a body (audited), and replays a corrected body', async () => {
      const res = await postEvents(env, src, [
        { type: 'entry', eventId: 'q-good', occurredAt: iso(15), lotCode: 'LOT-A1', plate: '苏FQ0001' },
        { type: 'entry', eventId: 'q-bad', occurredAt: iso(15), lotCode: 'LOT-A1', plate: '苏FQ000' },
      ]);
      expect(res.json()).toMatchObject({ accepted: 1, rejected: 1 });
      const list = (await env.app.inject({ url: '/api/v1/ingest/quarantine?status=open&sourceCode=VENDOR-A', headers: bearer(admin) })).json();
      const entry = list.items.find((i: { reasons: { eventId: string }[] }) => i.reasons.some((r) => r.eventId === 'q-bad'));
      expect(entry.reasons).toEqual([expect.objectContaining({ index: 1, code: 'INVALID_PLATE' })]);
      const detail = (await env.app.inject({ url: `/api/v1/ingest/quarantine/${entry.id}`, headers: bearer(admin) })).json();
      const corrected = detail.rawBody.replace('"苏FQ000"', '"苏FQ0002"');
      const replay = await env.app.inject({ method: 'POST', url: `/api/v1/ingest/quarantine/${entry.id}/replay`, headers: bearer(admin), payload: { body: corrected } });
      expect(replay.json()).toMatchObject({ accepted: 1, duplicates: 1, rejected: 0 });
      expect(await sessionsOf('苏FQ0002')).toHaveLength(1);
      const again = await env.app.inject({ method: 'POST', url: `/api/v1/ingest/quarantine/${entry.id}/replay`, headers: bearer(admin), payload: {} });
      expect([again.statusCode, again.json().error.code]).toEqual([409, 'ALREADY_RESOLVED']);
      const audits = await env.ctx.db.selectFrom('audit_log').select('action').where('target_type', '=', 'quarantine').execute();
      expect(audits.map((a) => a.action)).toEqual(['quarantine.read_body', 'quarantine.replay']);
    });

    it('replays many by a filter after a correction, a result per entry; discards many with a note', async () => {
      // Three requests of a new source name a lot the registry does not know yet; one has a bad plate.
      const q = await createSourceWithLots(env, admin, 'VENDOR-Q', [{ code: 'LOT-Q1' }]);
      for (const n of [1, 2, 3]) {
        const r = await postEvents(env, q, [{ type: 'entry', eventId: `late-${n}`, occurredAt: iso(60 - n), lotCode: 'LOT-LATE', plate: `苏FL000${n}` }]);
        expect(r.json().results[0].code).toBe('UNKNOWN_LOT');
      }
      await postEvents(env, q, [{ type: 'entry', eventId: 'late-junk', occurredAt: iso(50), lotCode: 'LOT-Q1', plate: 'junk2' }]);
      const match = (q: string) => env.app.inject({ url: `/api/v1/ingest/quarantine/matching?${q}`, headers: bearer(admin) });
      const preview = (await match('code=UNKNOWN_LOT&sourceCode=VENDOR-Q')).json();
      expect(preview.count).toBe(3);
      expect(preview.ids).toHaveLength(3);
      expect([...preview.ids].sort((a, b) => a - b)).toEqual(preview.ids); // oldest first
      const listed = (await env.app.inject({ url: '/api/v1/ingest/quarantine?status=open&code=UNKNOWN_LOT&sourceCode=VENDOR-Q', headers: bearer(admin) })).json();
      expect(listed.items.map((i: { id: number }) => i.id).sort()).toEqual([...preview.ids].sort());
      expect((await match('code=not-a-code')).statusCode).toBe(400);

      // The correction: the lot is registered and bound to the source. Then replay them all, and
      // one already replayed (its row fails, the others go on).
      const lot = await env.app.inject({ method: 'POST', url: '/api/v1/lots', headers: bearer(admin), payload: { code: 'LOT-LATE', name: '补登停车场', districtCode: '320602', kind: 'off_street', totalSpaces: 80, lng: 120.86, lat: 32.01, sourceCode: 'VENDOR-Q' } });
      expect(lot.statusCode).toBe(201);
      const bulk = (payload: object) => env.app.inject({ method: 'POST', url: '/api/v1/ingest/quarantine/bulk', headers: bearer(admin), payload });
      const first = (await bulk({ action: 'replay', ids: preview.ids.slice(0, 1) })).json();
      expect(first.results).toEqual([expect.objectContaining({ id: preview.ids[0], ok: true, accepted: 1, rejected: 0, requarantinedId: null, error: null })]);
      const rest = (await bulk({ action: 'replay', ids: preview.ids })).json();
      expect(rest.results.map((r: { ok: boolean; accepted: number; error: { code: string } | null }) => [r.ok, r.accepted, r.error?.code ?? null])).toEqual([
        [false, 0, 'ALREADY_RESOLVED'], [true, 1, null], [true, 1, null],
      ]);
      expect((await match('code=UNKNOWN_LOT&sourceCode=VENDOR-Q')).json()).toEqual({ count: 0, ids: [] });
      for (const n of [1, 2, 3]) expect(await sessionsOf(`苏FL000${n}`)).toHaveLength(1);

      // Discarding many needs a note; each discard is audited like a single one.
      const junk = (await match('code=INVALID_PLATE&sourceCode=VENDOR-Q')).json();
      expect(junk.count).toBe(1);
      expect((await bulk({ action: 'discard', ids: junk.ids })).json().error.code).toBe('NOTE_REQUIRED');
      expect((await bulk({ action: 'replay', ids: Array.from({ length: 51 }, (_, i) => i + 1) })).statusCode).toBe(400);
      const gone = (await bulk({ action: 'discard', ids: junk.ids, note: '测试数据' })).json();
      expect(gone.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
      const audits = await env.ctx.db.selectFrom('audit_log').select('target_id').where('action', '=', 'quarantine.discard').execute();
      expect(audits.map((a) => Number(a.target_id))).toEqual(expect.arrayContaining(junk.ids));
    });

    it('discards with a note, for ops permission only', async () => {
      await postEvents(env, src, [{ type: 'entry', eventId: 'q-junk', occurredAt: iso(15), lotCode: 'LOT-A1', plate: 'junk' }]);
      const list = (await env.app.inject({ url: '/api/v1/ingest/quarantine?status=open', headers: bearer(admin) })).json();
      const target = list.items[0];
      const viewer = await (await import('../../../test/support/http.js')).userToken(env.app, admin, { username: 'qviewer', role: 'viewer' });
      expect((await env.app.inject({ url: '/api/v1/ingest/quarantine', headers: bearer(viewer) })).statusCode).toBe(403);
      const res = await env.app.inject({ method: 'POST', url: `/api/v1/ingest/quarantine/${target.id}/discard`, headers: bearer(admin), payload: { note: '测试数据' } });
      expect(res.json()).toMatchObject({ status: 'discarded', note: '测试数据', resolvedBy: 'admin' });
    });
  });
});
