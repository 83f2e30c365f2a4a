import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import type { DB } from '../../schema.js';
import { formatShanghai, parseBusinessTime } from '../../platform/time.js';
import { checkSlaDeadlines, runSlaCheckJob } from './check.js';
import { incidentSlaTarget, ticketSlaTarget } from './policy-settings.js';
import { cancelSla, completeSla, findSlaItems, listSla, listSlaForSubjects, pauseSla, resumeSla, startSla, updateSlaSubject, type SlaItem } from './service.js';

const t = (text: string) => parseBusinessTime(text)!;
const sh = (d: Date | null) => (d ? formatShanghai(d).slice(0, 16) : null);

describeDb('SLA items', (backend) => {
  let env: TestEnv;
  let admin: string;
  const trx = <T>(fn: (trx: Kysely<DB>) => Promise<T>) => env.ctx.db.transaction().execute(fn);
  const at = (text: string) => env.clock.set(t(text));
  const check = () => checkSlaDeadlines(env.ctx);
  const notices = async (kind: string) => env.ctx.db.selectFrom('notifications').select(['title', 'district_code', 'link']).where('kind', '=', kind).orderBy('id').execute();
  const breaches = (itemId: number) => env.ctx.db.selectFrom('sla_breaches').selectAll().where('item_id', '=', itemId).execute();
  const only = (items: SlaItem[]) => {
    expect(items).toHaveLength(1);
    return items[0]!;
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());

  it('pausing and resuming moves the due time by the business time paused', async () => {
    at('2026-11-23 09:00'); // Monday
    const started = await trx((x) => startSla(env.ctx, x, { subject: { type: 'ticket', id: 1 }, kind: 'resolution', targetMinutes: 240, calendarId: 'business', label: '工单 1', link: '/tickets/1' }));
    expect([started.state, sh(started.dueAt), sh(started.warnAt), started.remainingMinutes]).toEqual(['running', '2026-11-23 14:30', '2026-11-23 13:42', 240]);

    at('2026-11-23 10:00');
    const paused = only(await trx((x) => pauseSla(env.ctx, x, { type: 'ticket', id: 1 }, { reason: 'waiting_citizen' })));
    expect([paused.state, paused.dueAt, sh(paused.pausedSince), paused.remainingMinutes]).toEqual(['paused', null, '2026-11-23 10:00', 180]);
    expect(await trx((x) => pauseSla(env.ctx, x, { type: 'ticket', id: 1 }))).toEqual([]); // already paused

    at('2026-11-23 16:00'); // long past the original due time: a paused clock does not breach
    expect(await check()).toEqual({ warned: 0, breached: 0 });

    // Paused 10:00–16:00 = 120 + 150 business minutes; 180 left from 16:00 = 90 today + 90 tomorrow.
    const resumed = only(await trx((x) => resumeSla(env.ctx, x, { type: 'ticket', id: '1' })));
    expect([resumed.state, sh(resumed.dueAt), resumed.pausedMinutes, resumed.pausedSince]).toEqual(['running', '2026-11-24 10:00', 270, null]);
    const pauses = await env.ctx.db.selectFrom('sla_pauses').select(['paused_at', 'resumed_at', 'reason']).where('item_id', '=', resumed.id).execute();
    expect(pauses.map((p) => [sh(p.paused_at), sh(p.resumed_at), p.reason])).toEqual([['2026-11-23 10:00', '2026-11-23 16:00', 'waiting_citizen']]);
  });

  it('warns once and breaches once; the breach stays when completed late', async () => {
    const [item] = await listSla(env.ctx, { type: 'ticket', id: 1 });
    expect(sh(item!.warnAt)).toBe('2026-11-24 09:12'); // 192 of 240 minutes counted
    at('2026-11-24 09:11');
    expect(await check()).toEqual({ warned: 0, breached: 0 });
    at('2026-11-24 09:13');
    expect(await check()).toEqual({ warned: 1, breached: 0 });
    expect(await check()).toEqual({ warned: 0, breached: 0 });
    expect(await notices('sla.warning')).toEqual([expect.objectContaining({ link: '/tickets/1', title: expect.stringContaining('工单 1 办结时限 2026-11-24 10:00 到期') })]);

    at('2026-11-24 10:00');
    expect(await check()).toEqual({ warned: 0, breached: 0 }); // at the due time: still on time
    at('2026-11-24 10:01');
    expect(await check()).toEqual({ warned: 0, breached: 1 });
    expect(await check()).toEqual({ warned: 0, breached: 0 });
    expect(await notices('sla.breached')).toHaveLength(1);
    const [breached] = await listSla(env.ctx, { type: 'ticket', id: 1 });
    expect([breached!.state, sh(breached!.breachedAt), breached!.late, breached!.remainingMinutes]).toEqual(['breached', '2026-11-24 10:00', true, -1]);
    const [record] = await breaches(breached!.id);
    expect([record!.kind, sh(record!.due_at), sh(record!.detected_at), record!.target_minutes]).toEqual(['resolution', '2026-11-24 10:00', '2026-11-24 10:01', 240]);

    at('2026-11-24 14:00');
    const met = only(await trx((x) => completeSla(env.ctx, x, { type: 'ticket', id: 1 })));
    expect([met.state, sh(met.metAt), sh(met.breachedAt), met.late]).toEqual(['met', '2026-11-24 14:00', '2026-11-24 10:00', true]);
    expect(await breaches(met.id)).toHaveLength(1);
    expect(await check()).toEqual({ warned: 0, breached: 0 });
    expect(await trx((x) => completeSla(env.ctx, x, { type: 'ticket', id: 1 }))).toEqual([]); // nothing open
  });

  it('completes on time before the due time', async () => {
    at('2026-11-25 10:00');
    await trx((x) => startSla(env.ctx, x, { subject: { type: 'ticket', id: 2 }, kind: 'response', targetMinutes: 60, calendarId: 'business' }));
    at('2026-11-25 11:00'); // exactly at the due time
    const met = only(await trx((x) => completeSla(env.ctx, x, { type: 'ticket', id: 2 }, { kinds: ['response'] })));
    expect([met.state, met.late, met.breachedAt, met.remainingMinutes]).toEqual(['met', false, null, 0]);
    at('2026-11-26 11:00');
    expect(await check()).toEqual({ warned: 0, breached: 0 });
    expect(await breaches(met.id)).toEqual([]);
  });

  it('records a late completion the job had not seen, without a notice', async () => {
    const before = (await notices('sla.breached')).length;
    at('2026-11-25 10:00');
    await trx((x) => startSla(env.ctx, x, { subject: { type: 'ticket', id: 3 }, kind: 'response', targetMinutes: 30, calendarId: '24x7' }));
    at('2026-11-25 10:45');
    const met = only(await trx((x) => completeSla(env.ctx, x, { type: 'ticket', id: 3 })));
    expect([met.state, met.late, sh(met.breachedAt)]).toEqual(['met', true, '2026-11-25 10:30']);
    expect(await breaches(met.id)).toEqual([expect.objectContaining({ detected_at: t('2026-11-25 10:45') })]);
    expect(await notices('sla.breached')).toHaveLength(before);
  });

  it('pausing past due records the breach first; resuming keeps it breached', async () => {
    at('2026-11-25 10:00');
    await trx((x) => startSla(env.ctx, x, { subject: { type: 'ticket', id: 4 }, kind: 'resolution', targetMinutes: 30, calendarId: '24x7' }));
    at('2026-11-25 10:40');
    const paused = only(await trx((x) => pauseSla(env.ctx, x, { type: 'ticket', id: 4 })));
    expect([paused.state, sh(paused.dueAt), sh(paused.breachedAt)]).toEqual(['paused', '2026-11-25 10:30', '2026-11-25 10:30']);
    expect(await breaches(paused.id)).toHaveLength(1);
    expect((await notices('sla.breached')).filter((n) => n.title.includes('ticket 4') || n.title.includes('工单 4'))).toHaveLength(1);
    at('2026-11-25 11:00');
    const resumed = only(await trx((x) => resumeSla(env.ctx, x, { type: 'ticket', id: 4 })));
    expect([resumed.state, sh(resumed.dueAt)]).toEqual(['breached', '2026-11-25 10:30']);
    expect(await check()).toEqual({ warned: 0, breached: 0 });
  });

  it('pauses and completes only the kinds asked for', async () => {
    at('2026-11-25 10:00');
    await trx(async (x) => {
      await startSla(env.ctx, x, { subject: { type: 'ticket', id: 5 }, kind: 'response', targetMinutes: 60, calendarId: 'business' });
      await startSla(env.ctx, x, { subject: { type: 'ticket', id: 5 }, kind: 'resolution', targetMinutes: 1350, calendarId: 'business' });
    });
    at('2026-11-25 10:20');
    expect((await trx((x) => completeSla(env.ctx, x, { type: 'ticket', id: 5 }, { kinds: ['response'] }))).map((i) => i.kind)).toEqual(['response']);
    expect((await trx((x) => pauseSla(env.ctx, x, { type: 'ticket', id: 5 }, { kinds: ['resolution'] }))).map((i) => i.kind)).toEqual(['resolution']);
    const states = (await listSla(env.ctx, { type: 'ticket', id: 5 })).map((i) => [i.kind, i.state]);
    expect(states).toEqual([['response', 'met'], ['resolution', 'paused']]);
    at('2026-11-25 11:00');
    const cancelled = only(await trx((x) => cancelSla(env.ctx, x, { type: 'ticket', id: 5 }, { reason: 'merged into 6' })));
    expect([cancelled.kind, cancelled.state, cancelled.cancelReason, cancelled.pausedMinutes]).toEqual(['resolution', 'cancelled', 'merged into 6', 40]);
    expect(await env.ctx.db.selectFrom('sla_pauses').select('resumed_at').where('item_id', '=', cancelled.id).execute()).toEqual([{ resumed_at: t('2026-11-25 11:00') }]);
  });

  it('starts once per subject and kind, unless restarted', async () => {
    at('2026-11-25 10:00');
    const first = await trx((x) => startSla(env.ctx, x, { subject: { type: 'incident', id: 'INC-1' }, kind: 'response', targetMinutes: 15, calendarId: '24x7' }));
    at('2026-11-25 10:05');
    const again = await trx((x) => startSla(env.ctx, x, { subject: { type: 'incident', id: 'INC-1' }, kind: 'response', targetMinutes: 30, calendarId: '24x7' }));
    expect([again.id, again.targetMinutes, sh(again.dueAt)]).toEqual([first.id, 15, '2026-11-25 10:15']);
    const restarted = await trx((x) => startSla(env.ctx, x, { subject: { type: 'incident', id: 'INC-1' }, kind: 'response', targetMinutes: 30, calendarId: '24x7', restart: true }));
    expect(restarted.id).not.toBe(first.id);
    expect((await listSla(env.ctx, { type: 'incident', id: 'INC-1' })).map((i) => [i.state, i.cancelReason])).toEqual([['cancelled', 'restarted'], ['running', null]]);
  });

  it('refuses bad input with 400 codes', async () => {
    const start = (input: Record<string, unknown>) => trx((x) => startSla(env.ctx, x, { subject: { type: 'ticket', id: 9 }, kind: 'response', calendarId: 'business', targetMinutes: 60, ...input }));
    await expect(start({ calendarId: 'nope' })).rejects.toMatchObject({ status: 400, code: 'UNKNOWN_CALENDAR' });
    await expect(start({ targetMinutes: 0 })).rejects.toMatchObject({ status: 400, code: 'INVALID_SLA_TARGET' });
    await expect(start({ targetMinutes: 1.5 })).rejects.toMatchObject({ code: 'INVALID_SLA_TARGET' });
    await expect(start({ targetMinutes: undefined, dueAt: t('2026-11-25 09:00'), startedAt: t('2026-11-25 10:00') })).rejects.toMatchObject({ code: 'INVALID_SLA_TARGET' });
    await expect(start({ kind: 'Bad Kind' })).rejects.toMatchObject({ code: 'INVALID_SLA_KIND' });
    await expect(start({ subject: { type: 'ticket', id: '' } })).rejects.toMatchObject({ code: 'INVALID_SLA_SUBJECT' });
  });

  it('takes a fixed deadline (a follow-up action planned for a date)', async () => {
    at('2026-11-25 10:00');
    const item = await trx((x) => startSla(env.ctx, x, { subject: { type: 'incident', id: 'INC-2' }, kind: 'followup_1', calendarId: 'business', dueAt: t('2026-12-01 17:30') }));
    // Wed 10:00–17:30 (120 + 240) + Thu, Fri, Mon, Tue (4 × 450)
    expect([item.targetMinutes, sh(item.dueAt)]).toEqual([360 + 4 * 450, '2026-12-01 17:30']);
    // to the millisecond, also from a start with seconds
    const exact = await trx((x) => startSla(env.ctx, x, { subject: { type: 'incident_action', id: 7 }, kind: 'followup', calendarId: '24x7', startedAt: t('2026-11-25 10:00:30.5'), dueAt: t('2026-11-28 00:00') }));
    expect(exact.dueAt!.toISOString()).toBe(t('2026-11-28 00:00').toISOString());
  });

  it('breaches at once a clock that started long ago (an incident recorded late), with no warning', async () => {
    at('2026-11-25 12:00');
    await check(); // the earlier tests' clocks
    const item = await trx((x) => startSla(env.ctx, x, {
      subject: { type: 'incident', id: 'INC-3' }, kind: 'response', targetMinutes: 15, calendarId: '24x7', startedAt: t('2026-11-25 11:00'),
      districtCode: '320602', audience: ['admin'], label: '事件 INC-3 支付接口中断', link: '/incidents/3',
    }));
    expect(sh(item.dueAt)).toBe('2026-11-25 11:15');
    const warnings = (await notices('sla.warning')).length;
    expect(await check()).toEqual({ warned: 0, breached: 1 });
    expect((await notices('sla.warning')).length).toBe(warnings);
    const last = (await notices('sla.breached')).at(-1)!;
    expect(last).toMatchObject({ district_code: '320602', link: '/incidents/3' });
    expect(last.title).toContain('事件 INC-3 支付接口中断 响应时限');
  });

  it('lists overdue and soon-due items, by subject too', async () => {
    at('2026-11-26 09:00');
    await trx(async (x) => {
      await startSla(env.ctx, x, { subject: { type: 'ticket', id: 20 }, kind: 'response', targetMinutes: 60, calendarId: 'business' });
      await startSla(env.ctx, x, { subject: { type: 'ticket', id: 21 }, kind: 'response', targetMinutes: 240, calendarId: 'business' });
    });
    await trx((x) => updateSlaSubject(env.ctx, x, { type: 'ticket', id: 21 }, { label: '工单 21', audience: ['admin'] }));
    at('2026-11-26 10:30');
    const overdue = await findSlaItems(env.ctx, { subjectType: 'ticket', overdue: true });
    expect(overdue.map((i) => i.subjectId)).toEqual(['4', '20']); // ticket 4 breached earlier and is still open
    const soon = await findSlaItems(env.ctx, { subjectType: 'ticket', dueBefore: t('2026-11-26 14:30') });
    expect(soon.map((i) => i.subjectId)).toEqual(['4', '20', '21']);
    const bySubject = await listSlaForSubjects(env.ctx, 'ticket', [20, '21', 999]);
    expect([...bySubject.keys()].sort()).toEqual(['20', '21']);
    expect(bySubject.get('21')![0]!.label).toBe('工单 21');
  });

  it('the job body runs the check', async () => {
    at('2026-11-26 12:00');
    await runSlaCheckJob(env.ctx);
    expect((await listSla(env.ctx, { type: 'ticket', id: 20 }))[0]!.state).toBe('breached');
  });

  it('chooses policy targets: 12345 caps, priorities, incident severities', async () => {
    const when = t('2026-11-25 10:00');
    const hotline = await ticketSlaTarget(env.ctx, env.ctx.db, 'response', { channel: 'hotline_12345', priority: 'normal' }, when);
    expect(hotline).toMatchObject({ kind: 'response', policyKey: 'ticket.hotline_12345.response', targetMinutes: 60, calendarId: 'business' });
    expect(await ticketSlaTarget(env.ctx, env.ctx.db, 'resolution', { channel: 'hotline_12345', priority: 'normal' }, when)).toMatchObject({ policyKey: 'ticket.normal.resolution', targetMinutes: 1350 });
    expect(await ticketSlaTarget(env.ctx, env.ctx.db, 'response', { channel: 'hotline_12345', priority: 'urgent' }, when)).toMatchObject({ policyKey: 'ticket.urgent.response', calendarId: '24x7', targetMinutes: 30 });
    expect(await ticketSlaTarget(env.ctx, env.ctx.db, 'response', { channel: 'wechat', priority: 'normal' }, when)).toMatchObject({ policyKey: 'ticket.normal.response', targetMinutes: 240 });
    expect(await incidentSlaTarget(env.ctx, env.ctx.db, 'restore', 3)).toMatchObject({ targetMinutes: 1350, calendarId: 'business' });
    expect(await incidentSlaTarget(env.ctx, env.ctx.db, 'response', 1)).toMatchObject({ targetMinutes: 15, calendarId: '24x7' });
    expect(await incidentSlaTarget(env.ctx, env.ctx.db, 'feedback', 2)).toMatchObject({ policyKey: 'incident.feedback', targetMinutes: 30, calendarId: '24x7' });
    // a policy target goes straight into startSla
    const target = await incidentSlaTarget(env.ctx, env.ctx.db, 'restore', 1);
    const item = await trx((x) => startSla(env.ctx, x, { subject: { type: 'incident', id: 'INC-4' }, ...target, startedAt: when }));
    expect([item.policyKey, sh(item.dueAt)]).toEqual(['incident.1.restore', '2026-11-25 12:00']);
  });

  it('serves the working-day calendar', async () => {
    admin = await loginToken(env.app); // the clock moved past the first token's expiry
    const res = await env.app.inject({ method: 'GET', url: '/api/v1/sla/calendar?from=2026-09-28&to=2026-10-11', headers: bearer(admin) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ from: '2026-09-28', to: '2026-10-11', workingDays: 6, warning: null, coverage: { firstYear: 2004 } });
    expect(body.days.find((d: { date: string }) => d.date === '2026-10-10')).toEqual({ date: '2026-10-10', weekday: 6, working: true, kind: 'makeup_workday', festival: { zh: '国庆节', en: 'National Day' }, inLieu: false, covered: true });
    const byDefault = await env.app.inject({ method: 'GET', url: '/api/v1/sla/calendar', headers: bearer(admin) });
    expect(byDefault.json()).toMatchObject({ from: '2026-11-26', to: '2027-02-23' });
    for (const [qs, code] of [['from=2026-13-01', 'INVALID_DATE'], ['from=2026-10-02&to=2026-10-01', 'INVALID_RANGE'], ['from=2025-01-01&to=2026-12-31', 'RANGE_TOO_LONG'], ['to=x', 'INVALID_DATE']]) {
      const bad = await env.app.inject({ method: 'GET', url: `/api/v1/sla/calendar?${qs}`, headers: bearer(admin) });
      expect([bad.statusCode, bad.json().error.code]).toEqual([400, code]);
    }
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/sla/calendar' })).statusCode).toBe(401);
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.paths['/api/v1/sla/calendar'].get.summary).toMatch(/工作日历.* \/ working-day calendar/);
    expect(Object.keys(doc.paths['/api/v1/sla/policies/{key}'])).toEqual(expect.arrayContaining(['put', 'delete']));
  });

  it('lists policies; ops may change and reset one, audited', async () => {
    const viewer = await userToken(env.app, admin, { username: 'sla-viewer', role: 'viewer' });
    const list = await env.app.inject({ method: 'GET', url: '/api/v1/sla/policies', headers: bearer(viewer) });
    expect(list.statusCode, list.body).toBe(200);
    const { policies, calendars } = list.json();
    expect(calendars.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['business', '24x7']));
    expect(policies.find((p: { key: string }) => p.key === 'incident.3.restore')).toMatchObject({ targetMinutes: 1350, calendarId: 'business', target: '3 个工作日', overridden: false });
    expect(policies.find((p: { key: string }) => p.key === 'incident.1.response')).toMatchObject({ targetMinutes: 15, calendarId: '24x7', target: '15 分钟' });

    const put = (token: string, key: string, payload: unknown) => env.app.inject({ method: 'PUT', url: `/api/v1/sla/policies/${key}`, headers: bearer(token), payload: payload as object });
    expect((await put(viewer, 'ticket.normal.response', { targetMinutes: 120, calendarId: 'business' })).statusCode).toBe(403);
    expect((await put(admin, 'ticket.nope.response', { targetMinutes: 120, calendarId: 'business' })).statusCode).toBe(404);
    expect((await put(admin, 'ticket.normal.response', { targetMinutes: 0, calendarId: 'business' })).statusCode).toBe(400);
    expect((await put(admin, 'ticket.normal.response', { targetMinutes: 120, calendarId: 'moon' })).json().error.code).toBe('UNKNOWN_CALENDAR');
    expect((await put(admin, 'ticket.normal.response', { targetMinutes: 120, calendarId: 'business', warnFraction: 0.5, warnMinutesBefore: 5 })).json().error.code).toBe('INVALID_SLA_WARNING');
    const changed = await put(admin, 'ticket.normal.response', { targetMinutes: 120, calendarId: 'business', warnMinutesBefore: 30 });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ targetMinutes: 120, warn: { minutesBefore: 30 }, overridden: true, target: '2 个工作小时' });
    expect(await ticketSlaTarget(env.ctx, env.ctx.db, 'response', { channel: 'web', priority: 'normal' }, t('2026-11-25 10:00'))).toMatchObject({ targetMinutes: 120, warn: { minutesBefore: 30 } });

    const reset = await env.app.inject({ method: 'DELETE', url: '/api/v1/sla/policies/ticket.normal.response', headers: bearer(admin) });
    expect(reset.json()).toMatchObject({ targetMinutes: 240, overridden: false });
    const audits = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', 'like', 'sla.policy.%').orderBy('id').execute();
    expect(audits).toEqual([{ action: 'sla.policy.update', target_id: 'ticket.normal.response' }, { action: 'sla.policy.reset', target_id: 'ticket.normal.response' }]);
  });
});

describeDb('sla.check and the holiday data', (backend) => {
  let env: TestEnv;
  const lines: { level: number; msg: string }[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
        done();
      },
    });
    env = await createTestEnv(backend, {}, { log: pino({ level: 'info' }, sink) });
  });
  afterAll(() => env.close());

  it('warns of nothing ahead of time: December with no deadline in the next year is quiet', async () => {
    // The table ends with 2026; sixty days from 7 December reach 2027, but no clock uses a day of it.
    env.clock.set(t('2026-12-07 12:00'));
    await runSlaCheckJob(env.ctx);
    env.clock.set(t('2026-12-08 12:00'));
    await runSlaCheckJob(env.ctx);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});
