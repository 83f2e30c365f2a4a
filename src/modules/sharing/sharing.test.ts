import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { markNoShows } from './index.js';

/*
 * Shared parking end to end (docs/共享停车规则.md): offers through the staff API, bookings
 * through the public API (concurrently, on both backends), the gate through signed ingest
 * events, the no-show job and suspensions with the manual clock. The clock starts at
 * Wednesday 2026-11-25 10:00 Shanghai (02:00Z).
 */

const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7];
const sh = (local: string) => new Date(`${local}+08:00`).toISOString();
let plateSeq = 10000;
const nextPlate = () => `苏F${++plateSeq}`;

describeDb('shared parking: offers, bookings, the gate, no-shows', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;
  let offerId: number;
  let ev = 0;

  const staff = (method: 'GET' | 'POST', url: string, payload?: object, token = admin) =>
    env.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
  const book = (payload: object) => env.app.inject({ method: 'POST', url: '/api/v1/public/sharing/bookings', payload });
  const bookingStatus = async (id: number) => (await staff('GET', `/api/v1/sharing/bookings/${id}`)).json();
  const createOffer = async (body: object, token = admin) => {
    const res = await staff('POST', '/api/v1/sharing/offers', body, token);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  beforeAll(async () => {
    env = await createTestEnv(backend, { publicRatePerMinute: 10_000, tokenTtlMinutes: 365 * 1440 });
    admin = await loginToken(env.app);
    src = await createSourceWithLots(env, admin, 'SHSRC', [{ code: 'SH1' }, { code: 'SH2' }, { code: 'OWN1' }]);
    const offer = await createOffer({ lotCode: 'SH1', name: '市政府大院夜间共享', spaces: 3, windows: [{ days: ALL_WEEK, start: '08:00', end: '20:00' }], priceFenPerHour: 300 });
    offerId = offer.id;
  });
  afterAll(() => env.close());

  it('an offer created by admin is approved at once; approving again changes nothing', async () => {
    const got = await staff('GET', `/api/v1/sharing/offers/${offerId}`);
    expect(got.json()).toMatchObject({ id: offerId, status: 'approved', lotCode: 'SH1', spaces: 3, rules: { graceMinutes: 30, newEnergyOnly: false } });
    const again = await staff('POST', `/api/v1/sharing/offers/${offerId}/approve`);
    expect(again.statusCode, again.body).toBe(200);
    // Clients that always send a JSON content type, with no body at all.
    const bare = await env.app.inject({ method: 'POST', url: `/api/v1/sharing/offers/${offerId}/approve`, headers: { ...bearer(admin), 'content-type': 'application/json' }, payload: '' });
    expect(bare.statusCode, bare.body).toBe(200);
    const broken = await env.app.inject({ method: 'POST', url: `/api/v1/sharing/offers/${offerId}/approve`, headers: { ...bearer(admin), 'content-type': 'application/json' }, payload: '{oops' });
    expect(broken.statusCode).toBe(400);
    expect(again.json().status).toBe('approved');
    const bad = await staff('POST', '/api/v1/sharing/offers', { lotCode: 'SH1', name: 'x', spaces: 1, windows: [{ days: [1], start: '25:00', end: '08:00' }] });
    expect(bad.statusCode).toBe(400);
    const unknownLot = await staff('POST', '/api/v1/sharing/offers', { lotCode: 'NOPE', name: 'x', spaces: 1, windows: [{ days: [1], start: '08:00', end: '09:00' }] });
    expect(unknownLot.statusCode).toBe(404);
  });

  it('books inside a window and refuses slots outside one, with codes', async () => {
    const ok = await book({ offerId, plate: '苏f·a1234', phone: '13800001111', start: sh('2026-11-26T09:00'), end: sh('2026-11-26T11:00') });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ status: 'booked', plate: '苏FA1234', feeFen: 600, offerId });
    expect(ok.json().cancelCode).toEqual(expect.any(String));
    const viewed = await bookingStatus(ok.json().id);
    expect(viewed).toMatchObject({ id: ok.json().id, status: 'booked', plate: '苏FA1234', phone: '138****1111' });

    const outside = await book({ offerId, plate: nextPlate(), phone: '13800001111', start: sh('2026-11-26T19:00'), end: sh('2026-11-26T21:00') });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.code).toBe('SHARE_OUTSIDE_WINDOW');
    const badPlate = await book({ offerId, plate: 'XYZ', phone: '13800001111', start: sh('2026-11-26T09:00'), end: sh('2026-11-26T10:00') });
    expect(badPlate.json().error.code).toBe('INVALID_PLATE');
    const badTime = await book({ offerId, plate: nextPlate(), phone: '13800001111', start: '2026-13-45T99:00', end: sh('2026-11-26T10:00') });
    expect(badTime.json().error.code).toBe('INVALID_TIME');
    const past = await book({ offerId, plate: nextPlate(), phone: '13800001111', start: sh('2026-11-24T09:00'), end: sh('2026-11-24T10:00') });
    expect(past.json().error.code).toBe('SHARE_IN_PAST');
    const overlap = await book({ offerId, plate: '苏FA1234', phone: '13800001111', start: sh('2026-11-26T10:00'), end: sh('2026-11-26T12:00') });
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json().error.code).toBe('SHARE_PLATE_OVERLAP');
    const missing = await book({ offerId: 999999, plate: nextPlate(), phone: '13800001111', start: sh('2026-11-26T09:00'), end: sh('2026-11-26T10:00') });
    expect(missing.statusCode).toBe(404);
  });

  it('never overbooks: 60 concurrent bookings for 3 spaces → exactly 3 booked, the rest 409 SHARE_FULL; another slot still books', async () => {
    const offer = await createOffer({ lotCode: 'SH2', name: '并发测试', spaces: 3, windows: [{ days: ALL_WEEK, start: '00:00', end: '00:00' }] });
    const slot = { start: sh('2026-11-27T14:00'), end: sh('2026-11-27T16:00') };
    // Staggered slots all overlapping 14:30–15:30 so the max-concurrency check is exercised, not only identical ranges.
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => book({
      offerId: offer.id, plate: nextPlate(), phone: '13900000000',
      start: sh(`2026-11-27T14:${String(i % 30).padStart(2, '0')}`), end: sh(`2026-11-27T15:${String(30 + (i % 30)).padStart(2, '0')}`),
    })));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(3);
    expect(codes.filter((c) => c === 409)).toHaveLength(57);
    for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json().error.code).toBe('SHARE_FULL');
    const stored = await env.ctx.db.selectFrom('sharing_bookings').select(['start_at', 'end_at']).where('offer_id', '=', offer.id).where('status', '=', 'booked').execute();
    expect(stored).toHaveLength(3);

    const later = await book({ offerId: offer.id, plate: nextPlate(), phone: '13900000000', start: sh('2026-11-27T18:00'), end: sh('2026-11-27T19:00') });
    expect(later.statusCode, later.body).toBe(201);
    // Back to back with the full period is no overlap.
    const after = await Promise.all([0, 1, 2, 3].map(() => book({ offerId: offer.id, plate: nextPlate(), phone: '13900000000', ...slot, start: sh('2026-11-27T16:30'), end: sh('2026-11-27T17:00') })));
    expect(after.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 409]);

    // Free spaces for a slot, by the public nearby query.
    const near = await env.app.inject({ method: 'GET', url: `/api/v1/public/sharing/offers/nearby?lng=120.86&lat=32.01&from=${encodeURIComponent(slot.start)}&to=${encodeURIComponent(slot.end)}` });
    expect(near.statusCode, near.body).toBe(200);
    expect(near.json().items.find((i: { offerId: number }) => i.offerId === offer.id)).toMatchObject({ spaces: 3, freeSpaces: 0 });
  });

  it('an entry event for the booked plate moves the booking to entered; the exit completes it with the session and the overstay', async () => {
    const plate = nextPlate();
    const res = await book({ offerId, plate, phone: '13700001234', start: sh('2026-11-25T11:00'), end: sh('2026-11-25T12:00') });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as number;
    // An entry of another plate, and one of this plate too early, do nothing.
    env.clock.set(sh('2026-11-25T10:40'));
    await postEvents(env, src, [{ type: 'entry', eventId: `e${++ev}`, occurredAt: sh('2026-11-25T10:40'), lotCode: 'SH1', plate }]);
    expect((await bookingStatus(id)).status).toBe('booked');
    await postEvents(env, src, [{ type: 'exit', eventId: `e${++ev}`, occurredAt: sh('2026-11-25T10:41'), lotCode: 'SH1', plate }]);
    env.clock.set(sh('2026-11-25T10:50'));
    const entry = await postEvents(env, src, [{ type: 'entry', eventId: `e${++ev}`, occurredAt: sh('2026-11-25T10:50'), lotCode: 'SH1', plate }]);
    expect(entry.json().accepted, entry.body).toBe(1);
    expect(await bookingStatus(id)).toMatchObject({ status: 'entered', enteredAt: sh('2026-11-25T10:50') });

    env.clock.set(sh('2026-11-25T13:10'));
    const exit = await postEvents(env, src, [{ type: 'exit', eventId: `e${++ev}`, occurredAt: sh('2026-11-25T13:10'), lotCode: 'SH1', plate }]);
    expect(exit.json().accepted, exit.body).toBe(1);
    const done = await bookingStatus(id);
    const session = await env.ctx.db.selectFrom('parking_sessions').select('id').where('exit_event_id', '=', `e${ev}`).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status: 'completed', exitedAt: sh('2026-11-25T13:10'), sessionId: Number(session.id), overstayMinutes: 70, overstayFeeFen: 600 });
  });

  it('no entry by start + grace → no_show (job); three in 30 days suspend the plate for 7 days', async () => {
    env.clock.set(sh('2026-11-28T07:00'));
    await markNoShows(env.ctx); // the earlier tests' bookings that nobody used
    const plate = nextPlate();
    const ids: number[] = [];
    for (const day of ['2026-11-28', '2026-11-29', '2026-11-30']) {
      const r = await book({ offerId, plate, phone: '13600000000', start: sh(`${day}T09:00`), end: sh(`${day}T10:00`) });
      expect(r.statusCode, r.body).toBe(201);
      ids.push(r.json().id);
    }
    env.clock.set(sh('2026-11-28T09:29'));
    expect((await markNoShows(env.ctx)).noShows).toBe(0);
    env.clock.set(sh('2026-11-28T09:30'));
    expect(await markNoShows(env.ctx)).toEqual({ noShows: 1, suspended: [] });
    expect((await bookingStatus(ids[0]!)).status).toBe('no_show');
    // Suspension is not yet due: one more booking is fine.
    const extra = await book({ offerId, plate, phone: '13600000000', start: sh('2026-12-01T09:00'), end: sh('2026-12-01T09:30') });
    expect(extra.statusCode, extra.body).toBe(201);
    env.clock.set(sh('2026-11-30T10:00'));
    expect(await markNoShows(env.ctx)).toEqual({ noShows: 2, suspended: [plate] });
    const refused = await book({ offerId, plate, phone: '13600000000', start: sh('2026-12-03T09:00'), end: sh('2026-12-03T10:00') });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('SHARE_PLATE_SUSPENDED');
    env.clock.set(sh('2026-12-07T10:01'));
    const again = await book({ offerId, plate, phone: '13600000000', start: sh('2026-12-08T09:00'), end: sh('2026-12-08T10:00') });
    expect(again.statusCode, again.body).toBe(201);
  });

  it('a late-delivered entry still turns a no-show into entered', async () => {
    env.clock.set(sh('2026-12-09T07:00'));
    const plate = nextPlate();
    const r = await book({ offerId, plate, phone: '13600000000', start: sh('2026-12-09T09:00'), end: sh('2026-12-09T10:00') });
    env.clock.set(sh('2026-12-09T09:40'));
    await markNoShows(env.ctx);
    expect((await bookingStatus(r.json().id)).status).toBe('no_show');
    await postEvents(env, src, [{ type: 'entry', eventId: `e${++ev}`, occurredAt: sh('2026-12-09T08:55'), lotCode: 'SH1', plate }]);
    expect((await bookingStatus(r.json().id)).status).toBe('entered');
  });

  it('cancellation: citizen before the cutoff, owner (notified, cancelled_by_owner), staff', async () => {
    env.clock.set(sh('2026-12-10T07:00'));
    const mk = async () => (await book({ offerId, plate: nextPlate(), phone: '13500000000', start: sh('2026-12-10T09:00'), end: sh('2026-12-10T10:00') })).json();
    const a = await mk();
    const wrong = await env.app.inject({ method: 'POST', url: `/api/v1/public/sharing/bookings/${a.id}/cancel`, payload: { cancelCode: 'nope' } });
    expect(wrong.statusCode).toBe(404);
    const mine = await env.app.inject({ method: 'GET', url: `/api/v1/public/sharing/bookings/${a.id}?cancelCode=${a.cancelCode}` });
    expect(mine.json()).toMatchObject({ status: 'booked', plate: expect.stringContaining('**') });
    const ok = await env.app.inject({ method: 'POST', url: `/api/v1/public/sharing/bookings/${a.id}/cancel`, payload: { cancelCode: a.cancelCode } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().status).toBe('cancelled');
    const b = await mk();
    env.clock.set(sh('2026-12-10T08:31'));
    const late = await env.app.inject({ method: 'POST', url: `/api/v1/public/sharing/bookings/${b.id}/cancel`, payload: { cancelCode: b.cancelCode } });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('SHARE_CANCEL_TOO_LATE');
    const byStaff = await staff('POST', `/api/v1/sharing/bookings/${b.id}/cancel`, { reason: '现场施工' });
    expect(byStaff.statusCode, byStaff.body).toBe(200);
    expect(byStaff.json()).toMatchObject({ status: 'cancelled', cancelledBy: 'admin' });
    // The citizen disputes it: a work order, linked to the lot and the plate, follows the closed loop.
    const dispute = await staff('POST', `/api/v1/sharing/bookings/${b.id}/dispute`, { description: '到场后被告知车位已被占用' });
    expect(dispute.statusCode, dispute.body).toBe(200);
    const ticketNo = dispute.json().disputeTicketNo as string;
    expect(ticketNo).toMatch(/^GD/);
    const tickets = await staff('GET', `/api/v1/tickets?q=${encodeURIComponent(ticketNo)}`);
    expect(JSON.stringify(tickets.json())).toContain('共享停车预约');
    const again = await staff('POST', `/api/v1/sharing/bookings/${b.id}/dispute`, { description: 'x' });
    expect(again.json().error.code).toBe('SHARE_DISPUTE_OPEN');
  });

  it('a share_owner sees and writes only its own lots; its offers need approval; its cancellations notify', async () => {
    env.clock.set(sh('2026-12-10T07:00'));
    const ownerToken = await userToken(env.app, admin, { username: 'school1', role: 'share_owner' });
    const unlinked = await staff('GET', '/api/v1/sharing/offers', undefined, ownerToken);
    expect(unlinked.statusCode).toBe(403);
    // Nothing beyond shared parking, its own account and its notices.
    expect((await staff('GET', '/api/v1/sessions', undefined, ownerToken)).statusCode).toBe(403);
    expect((await staff('GET', '/api/v1/lots', undefined, ownerToken)).statusCode).toBe(403);
    expect((await staff('GET', '/api/v1/auth/me', undefined, ownerToken)).statusCode).toBe(200);
    expect((await staff('GET', '/api/v1/notifications', undefined, ownerToken)).statusCode).toBe(200);
    const owner = await staff('POST', '/api/v1/sharing/owners', { code: 'SCHOOL1', name: '南通一中', lotCodes: ['OWN1'], usernames: ['school1'], contactName: '王老师', contactPhone: '0513-1234567' });
    expect(owner.statusCode, owner.body).toBe(201);
    expect((await staff('POST', '/api/v1/sharing/owners', { code: 'X2', name: 'x', lotCodes: [] }, ownerToken)).statusCode).toBe(403);
    const foreign = await staff('POST', '/api/v1/sharing/offers', { lotCode: 'SH1', name: '越权', spaces: 1, windows: [{ days: ALL_WEEK, start: '08:00', end: '20:00' }] }, ownerToken);
    expect(foreign.statusCode).toBe(403);
    const mine = await createOffer({ lotCode: 'OWN1', name: '寒假共享', spaces: 2, windows: [{ days: ALL_WEEK, start: '08:00', end: '20:00' }], rules: { graceMinutes: 15 } }, ownerToken);
    expect(mine).toMatchObject({ status: 'submitted', ownerCode: 'SCHOOL1' });
    const early = await book({ offerId: mine.id, plate: nextPlate(), phone: '13500000000', start: sh('2026-12-10T09:00'), end: sh('2026-12-10T10:00') });
    expect(early.json().error.code).toBe('SHARE_NOT_BOOKABLE');
    expect((await staff('POST', `/api/v1/sharing/offers/${mine.id}/approve`, undefined, ownerToken)).statusCode).toBe(403);
    expect((await staff('POST', `/api/v1/sharing/offers/${mine.id}/approve`)).json().status).toBe('approved');
    const list = await staff('GET', '/api/v1/sharing/offers', undefined, ownerToken);
    expect(list.json().items.map((o: { id: number }) => o.id)).toEqual([mine.id]);
    expect((await staff('GET', `/api/v1/sharing/offers/${offerId}`, undefined, ownerToken)).statusCode).toBe(404);

    const b = (await book({ offerId: mine.id, plate: nextPlate(), phone: '13500000000', start: sh('2026-12-10T09:00'), end: sh('2026-12-10T10:00') })).json();
    const c = (await book({ offerId: mine.id, plate: nextPlate(), phone: '13500000000', start: sh('2026-12-11T09:00'), end: sh('2026-12-11T10:00') })).json();
    const cancelled = await staff('POST', `/api/v1/sharing/bookings/${b.id}/cancel`, { reason: '学校活动' }, ownerToken);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled_by_owner', plate: expect.stringContaining('**') });
    const ended = await staff('POST', `/api/v1/sharing/offers/${mine.id}/end`, { reason: '开学' }, ownerToken);
    expect(ended.json().status).toBe('ended');
    expect((await bookingStatus(c.id)).status).toBe('cancelled_by_owner');
    const notices = await env.ctx.db.selectFrom('notifications').select(['kind', 'body']).where('kind', '=', 'sharing.bookings.cancelled_by_owner').execute();
    expect(notices).toHaveLength(2);
    expect(notices[1]!.body).toContain('开学');
    const ownerBookings = await staff('GET', '/api/v1/sharing/bookings', undefined, ownerToken);
    expect(ownerBookings.json().items.map((x: { id: number }) => x.id).sort()).toEqual([b.id, c.id].sort());
  });

  it('KPIs of a month and the owner statement, whose figures equal raw sums over the bookings', async () => {
    env.clock.set(sh('2027-01-04T07:00'));
    const lot = await staff('POST', '/api/v1/lots', { code: 'OWN2', name: '停车场 OWN2', districtCode: '320612', kind: 'off_street', totalSpaces: 50, lng: 120.9, lat: 32.0, sourceCode: 'SHSRC' });
    expect(lot.statusCode, lot.body).toBe(201);
    expect((await staff('POST', '/api/v1/sharing/owners', { code: 'PARK2', name: '通州物业', lotCodes: ['OWN2'] })).statusCode).toBe(201);
    const offer = await createOffer({ lotCode: 'OWN2', name: '小区白天共享', spaces: 2, windows: [{ days: ALL_WEEK, start: '08:00', end: '18:00' }], priceFenPerHour: 500 });
    const p = [nextPlate(), nextPlate(), nextPlate(), nextPlate()];
    const mk = async (plate: string, start: string, end: string) => {
      const r = await book({ offerId: offer.id, plate, phone: '13400000000', start: sh(start), end: sh(end) });
      expect(r.statusCode, r.body).toBe(201);
      return r.json();
    };
    await mk(p[0]!, '2027-01-05T09:00', '2027-01-05T11:00');
    await mk(p[1]!, '2027-01-05T09:00', '2027-01-05T10:00');
    await mk(p[2]!, '2027-01-06T10:00', '2027-01-06T12:00');
    const d = await mk(p[3]!, '2027-01-07T09:00', '2027-01-07T10:00');
    await env.app.inject({ method: 'POST', url: `/api/v1/public/sharing/bookings/${d.id}/cancel`, payload: { cancelCode: d.cancelCode } });
    const gate = async (type: 'entry' | 'exit', plate: string, at: string) => {
      env.clock.set(sh(at));
      const r = await postEvents(env, src, [{ type, eventId: `e${++ev}`, occurredAt: sh(at), lotCode: 'OWN2', plate }]);
      expect(r.json().accepted, r.body).toBe(1);
    };
    await gate('entry', p[0]!, '2027-01-05T09:00');
    await gate('exit', p[0]!, '2027-01-05T11:30');
    await gate('entry', p[2]!, '2027-01-06T10:05');
    await gate('exit', p[2]!, '2027-01-06T11:00');
    env.clock.set(sh('2027-02-02T08:00'));
    await markNoShows(env.ctx);

    const kpis = await staff('GET', '/api/v1/sharing/kpis?month=2027-01&groupBy=owner');
    expect(kpis.statusCode, kpis.body).toBe(200);
    const g = kpis.json().groups.find((x: { key: string }) => x.key === 'PARK2');
    expect(g).toMatchObject({
      name: '通州物业', offeredHours: 560, bookedHours: 5, usedHours: 3.42, bookings: 3, entered: 2, noShows: 1, overstays: 1,
      utilisationBooked: 0.0089, utilisationUsed: 0.0061, fulfilmentRate: 0.6667, noShowRate: 0.3333, overstayRate: 0.5, revenueFen: 2500,
    });
    const byDistrict = await staff('GET', '/api/v1/sharing/kpis?month=2027-01&groupBy=district');
    expect(byDistrict.json().groups.find((x: { key: string }) => x.key === '320612')).toMatchObject({ name: '通州区', revenueFen: 2500 });
    expect((await staff('GET', '/api/v1/sharing/kpis?month=2027-13')).statusCode).toBe(400);

    const res = await staff('GET', '/api/v1/sharing/statements?month=2027-01&ownerCode=PARK2&platformSharePercent=10');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const summary = new Map<string, unknown>();
    wb.getWorksheet('汇总')!.eachRow((row) => summary.set(String(row.getCell(1).value), row.getCell(2).value));
    const detail: unknown[][] = [];
    wb.getWorksheet('明细')!.eachRow((row, n) => { if (n > 1) detail.push((row.values as unknown[]).slice(1)); });
    expect(detail).toHaveLength(4); // the cancelled one listed with zero amounts
    const col = (i: number) => detail.reduce((s, r) => s + Math.round(Number(r[i]) * 100), 0);
    // Raw sums straight from the table.
    const raw = await env.ctx.db.selectFrom('sharing_bookings').select(['status', 'fee_fen', 'overstay_fee_fen']).where('offer_id', '=', offer.id).execute();
    const rawBookingFees = raw.filter((r) => r.status === 'entered' || r.status === 'completed').reduce((s, r) => s + r.fee_fen, 0);
    const rawOverstay = raw.reduce((s, r) => s + r.overstay_fee_fen, 0);
    expect(col(8)).toBe(rawBookingFees);
    expect(col(10)).toBe(rawOverstay);
    expect(col(11)).toBe(rawBookingFees + rawOverstay);
    expect(Math.round(Number(summary.get('预约费（元）')) * 100)).toBe(rawBookingFees);
    expect(Math.round(Number(summary.get('超时费（元）')) * 100)).toBe(rawOverstay);
    expect(Math.round(Number(summary.get('收入合计（元）')) * 100)).toBe(2500);
    expect(Math.round(Number(summary.get('平台分成（元）')) * 100)).toBe(250);
    expect(Math.round(Number(summary.get('单位应得（元）')) * 100)).toBe(2250);
    expect(summary.get('预约笔数（不含取消）')).toBe(3);
    expect(summary.get('爽约笔数')).toBe(1);
    expect(Number(summary.get('使用小时'))).toBeCloseTo(col(7) / 100, 2);
    expect(summary.get('市城管局确认')).toBe('未确认');

    const confirm = await staff('POST', '/api/v1/sharing/statements/confirm', { month: '2027-01', ownerCode: 'PARK2' });
    expect(confirm.statusCode, confirm.body).toBe(201);
    expect(confirm.json()).toMatchObject({ revenueFen: 2500, platformShareFen: 250, ownerShareFen: 2250, bookings: 3, confirmedBy: 'admin' });
    const twice = await staff('POST', '/api/v1/sharing/statements/confirm', { month: '2027-01', ownerCode: 'PARK2' });
    expect(twice.json().error.code).toBe('SHARE_STATEMENT_CONFIRMED');
  });
});

describe('shared parking: the citizen routes are rate-limited per address', () => {
  it('answers 429 with Retry-After beyond the budget', async () => {
    const env = await createTestEnv('pglite', { publicRatePerMinute: 3 });
    try {
      const codes: number[] = [];
      let retry: string | undefined;
      for (let i = 0; i < 5; i++) {
        const r = await env.app.inject({ method: 'POST', url: '/api/v1/public/sharing/bookings', payload: { offerId: 1, plate: '苏F12345', phone: '13800000000', start: '2026-12-01T09:00:00+08:00', end: '2026-12-01T10:00:00+08:00' } });
        codes.push(r.statusCode);
        if (r.statusCode === 429) retry = r.headers['retry-after'] as string;
      }
      expect(codes).toEqual([404, 404, 404, 429, 429]);
      expect(Number(retry)).toBeGreaterThan(0);
    } finally {
      await env.close();
    }
  });
});
