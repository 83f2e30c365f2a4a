import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, type TestSource } from '../../../test/support/ingest.js';
import { monitoringKit } from '../../../test/support/monitoring.js';
import { parseBusinessTime } from '../../platform/time.js';
import type { Notice } from '../../platform/notices.js';

// Every notice the evaluator sends, recorded on its way to the real notification layer.
const sent: Notice[] = [];

interface Alert {
  id: number;
  scope: string;
  state: string;
  lotCode: string | null;
  reminders: number;
  resolution: string | null;
  parentId: number | null;
  lateLots: number;
  lateMinutes: number | null;
  followupId: number | null;
  districtCodes: string[];
}

describeDb('monitoring: alerts, reminders, grouping, windows, follow-ups', (backend) => {
  let env: TestEnv;
  let admin: string;
  let kit: ReturnType<typeof monitoringKit>;
  let operatorId: number;

  beforeAll(async () => {
    sent.length = 0; // alert ids start again at 1 on each backend
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 365 });
    const outbox = env.ctx.notices;
    env.ctx.notices = { notify: async (ctx, executor, notice) => { sent.push(notice); await outbox.notify(ctx, executor, notice); } };
    admin = await loginToken(env.app);
    kit = monitoringKit(env, () => admin);
    const op = await kit.call('POST', '/api/v1/operators', { name: '南通静态交通运营公司', contactName: '张工', contactPhone: '13800001111', contactEmail: 'zhang@example.com' });
    operatorId = op.json().id;
  });
  afterAll(() => env.close());

  const alertsOf = async (source: string, extra = '') => (await kit.get<{ items: Alert[] }>(`/api/v1/monitoring/alerts?sourceCode=${source}${extra}`)).items;
  const noticesFor = (id: number) => sent.filter((n) => n.link === `/monitoring?alert=${id}`);
  const withOperator = async (code: string, lots: { code: string; districtCode?: string }[]): Promise<TestSource> => {
    const src = await createSourceWithLots(env, admin, code, lots);
    await kit.call('PATCH', `/api/v1/sources/${code}`, { operatorId });
    return src;
  };
  /** Everything the evaluator writes, to show that a second run at the same instant writes nothing. */
  const snapshot = async () => ({
    alerts: await env.ctx.db.selectFrom('monitoring_alerts').selectAll().orderBy('id').execute(),
    events: (await env.ctx.db.selectFrom('monitoring_alert_events').select('id').execute()).length,
    followups: (await env.ctx.db.selectFrom('monitoring_followups').select('id').execute()).length,
    states: await env.ctx.db.selectFrom('monitoring_lot_state').selectAll().orderBy('lot_id').execute(),
    sources: await env.ctx.db.selectFrom('monitoring_source_state').selectAll().orderBy('source_code').execute(),
    notices: sent.length,
  });

  it('opens one alert per outage, reminds every interval until acknowledged, and sends a recovery notice', async () => {
    const b = await withOperator('S-B', [{ code: 'B1' }]);
    await kit.send(b, [kit.status('B1', 0)]);
    await kit.evaluate();
    expect(await alertsOf('S-B')).toEqual([]);

    kit.advance(121);
    await kit.evaluate();
    let [alert] = await alertsOf('S-B');
    expect(alert).toMatchObject({ scope: 'lot', state: 'open', lotCode: 'B1', reminders: 0, lateMinutes: 121, districtCodes: ['320602'] });
    const opened = noticesFor(alert!.id);
    expect(opened.map((n) => n.kind)).toEqual(['monitoring.alert.opened']);
    expect(opened[0]).toMatchObject({ severity: 'warning', districtCode: '320602' });
    expect(opened[0]!.title).toContain('121');
    expect(opened[0]!.body).toEqual(expect.stringContaining('张工'));
    expect(opened[0]!.body).toContain('13800001111');
    expect(opened[0]!.body).toContain('停车场 B1');

    // Idempotent: the same instant again changes nothing at all.
    const before = await snapshot();
    const again = await kit.evaluate();
    expect(again).toMatchObject({ transitions: 0, opened: { lot: 0, source: 0 }, reminded: 0, resolved: 0, folded: 0, markedSources: [] });
    expect(await snapshot()).toEqual(before);

    // The follow-up task carries the operator's contacts as they were.
    await kit.call('PATCH', `/api/v1/operators/${operatorId}`, { contactPhone: '13900002222' });
    const tasks = (await kit.get<{ items: { id: number; state: string; lotCode: string; operator: Record<string, unknown>; title: string }[] }>(`/api/v1/monitoring/followups?alertId=${alert!.id}`)).items;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ state: 'open', lotCode: 'B1', operator: { name: '南通静态交通运营公司', contactName: '张工', contactPhone: '13800001111', contactEmail: 'zhang@example.com' } });
    expect(tasks[0]!.title).toContain('联系运营单位');
    expect(alert!.followupId).toBe(tasks[0]!.id);

    kit.advance(59);
    await kit.evaluate();
    expect((await alertsOf('S-B'))[0]!.reminders).toBe(0);
    kit.advance(1);
    await kit.evaluate();
    expect((await alertsOf('S-B'))[0]!.reminders).toBe(1);
    kit.advance(30);
    await kit.evaluate();
    expect((await alertsOf('S-B'))[0]!.reminders).toBe(1);
    kit.advance(30);
    await kit.evaluate();
    expect((await alertsOf('S-B'))[0]!.reminders).toBe(2);
    expect(noticesFor(alert!.id).map((n) => n.kind)).toEqual(['monitoring.alert.opened', 'monitoring.alert.reminder', 'monitoring.alert.reminder']);

    // Acknowledged with a note: no more reminders, and it is audited.
    const viewer = await userToken(env.app, admin, { username: 'viewer-b', role: 'viewer' });
    expect((await kit.call('POST', `/api/v1/monitoring/alerts/${alert!.id}/ack`, { note: '已电话联系' }, viewer)).statusCode).toBe(403);
    expect((await kit.call('POST', `/api/v1/monitoring/alerts/${alert!.id}/ack`, { note: '' })).statusCode).toBe(400);
    const ack = await kit.call('POST', `/api/v1/monitoring/alerts/${alert!.id}/ack`, { note: '已电话联系，厂商正在重启服务器' });
    expect(ack.json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'admin', ackNote: '已电话联系，厂商正在重启服务器' });
    expect(ack.json().events.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'reminded', 'reminded', 'acknowledged']);
    const again2 = await kit.call('POST', `/api/v1/monitoring/alerts/${alert!.id}/ack`, { note: 'x' });
    expect([again2.statusCode, again2.json().error.code]).toEqual([409, 'ALREADY_ACKNOWLEDGED']);
    const audited = await env.ctx.db.selectFrom('audit_log').select(['action', 'actor']).where('action', '=', 'monitoring.alert.ack').where('target_id', '=', String(alert!.id)).execute();
    expect(audited).toEqual([{ action: 'monitoring.alert.ack', actor: 'admin' }]);
    kit.advance(180);
    await kit.evaluate();
    expect((await alertsOf('S-B'))[0]!.reminders).toBe(2);
    expect(noticesFor(alert!.id)).toHaveLength(3);

    // Data resumes: resolved with a recovery notice.
    await kit.send(b, [kit.status('B1', 0)]);
    await kit.evaluate();
    [alert] = await alertsOf('S-B');
    expect(alert).toMatchObject({ state: 'resolved', resolution: 'recovered', lateMinutes: null });
    expect(noticesFor(alert!.id).at(-1)).toMatchObject({ kind: 'monitoring.alert.resolved', severity: 'warning' });
    const late = await kit.call('POST', `/api/v1/monitoring/alerts/${alert!.id}/ack`, { note: 'x' });
    expect([late.statusCode, late.json().error.code]).toEqual([409, 'ALERT_RESOLVED']);

    // The task is closed by hand, with a note (it does not close with the alert).
    const done = await kit.call('POST', `/api/v1/monitoring/followups/${tasks[0]!.id}/complete`, { note: '厂商确认服务器宕机，已恢复' });
    expect(done.json()).toMatchObject({ state: 'done', completedBy: 'admin', note: '厂商确认服务器宕机，已恢复' });
    expect((await kit.call('POST', `/api/v1/monitoring/followups/${tasks[0]!.id}/complete`, { note: 'x' })).statusCode).toBe(409);

    // A new outage is a new alert.
    kit.advance(121);
    await kit.evaluate();
    const all = await alertsOf('S-B');
    expect(all.map((x) => x.state)).toEqual(['open', 'resolved']);
    expect((await kit.get<{ total: number }>('/api/v1/monitoring/alerts?sourceCode=S-B&state=open')).total).toBe(1);
  });

  it('raises one source alert when all monitored lots of a source are late, folding the lot alerts', async () => {
    const c = await withOperator('S-C', [{ code: 'C1' }, { code: 'C2' }, { code: 'C3' }]); // C3 never reports
    await kit.send(c, [kit.status('C1', 0), kit.status('C2', 0)]);
    kit.advance(100);
    await kit.send(c, [kit.status('C2', 0)]);
    kit.advance(30);
    await kit.evaluate();
    const [lotAlert] = await alertsOf('S-C');
    expect(lotAlert).toMatchObject({ scope: 'lot', lotCode: 'C1', state: 'open' });

    kit.advance(100);
    const sentBefore = sent.length;
    const summary = await kit.evaluate();
    expect(summary).toMatchObject({ opened: { lot: 0, source: 1 }, folded: 1 });
    const alerts = await alertsOf('S-C');
    const source = alerts.find((x) => x.scope === 'source')!;
    expect(source).toMatchObject({ state: 'open', lateLots: 2, lotCode: null });
    expect(alerts.find((x) => x.id === lotAlert!.id)).toMatchObject({ state: 'resolved', resolution: 'folded', parentId: source.id });
    expect(alerts.filter((x) => x.lotCode === 'C2')).toEqual([]);
    const newNotices = sent.slice(sentBefore).filter((n) => n.body.includes('S-C'));
    expect(newNotices.map((n) => [n.kind, n.severity])).toEqual([['monitoring.alert.opened', 'critical']]);

    const detail = await kit.get(`/api/v1/monitoring/alerts/${source.id}`);
    expect(detail.folded).toEqual([{ id: lotAlert!.id, lotCode: 'C1' }]);
    expect(detail.lots.map((l: { lotCode: string; state: string }) => [l.lotCode, l.state])).toEqual([['C1', 'late'], ['C2', 'late'], ['C3', 'never']]);
    const fresh = await kit.get<{ items: { lotCode: string; alertId: number }[] }>('/api/v1/monitoring/freshness?sourceCode=S-C&state=late');
    expect(fresh.items.map((i) => [i.lotCode, i.alertId])).toEqual([['C1', source.id], ['C2', source.id]]);

    // One lot back: the source alert still stands for the other; no lot alert of its own.
    await kit.send(c, [kit.status('C1', 0)]);
    await kit.evaluate();
    expect((await alertsOf('S-C', '&state=unresolved')).map((x) => x.scope)).toEqual(['source']);
    await kit.send(c, [kit.status('C2', 0)]);
    await kit.evaluate();
    expect(await alertsOf('S-C', '&state=unresolved')).toEqual([]);
    expect(noticesFor(source.id).map((n) => n.kind)).toEqual(['monitoring.alert.opened', 'monitoring.alert.resolved']);
    // Each outage has its follow-up: the lot's and the source's.
    expect((await kit.get<{ total: number }>('/api/v1/monitoring/followups?sourceCode=S-C')).total).toBe(2);
  });

  it('raises nothing for lots that never reported', async () => {
    await withOperator('S-N', [{ code: 'N1' }, { code: 'N2' }]);
    kit.advance(500);
    await kit.evaluate();
    expect(await alertsOf('S-N')).toEqual([]);
    const states = await kit.get<{ items: { state: string }[] }>('/api/v1/monitoring/freshness?sourceCode=S-N');
    expect(states.items.map((i) => i.state)).toEqual(['never', 'never']);
  });

  it('silences a lot under a one-off maintenance window, then alerts once it ends', async () => {
    const d = await withOperator('S-D', [{ code: 'D1' }]);
    await kit.send(d, [kit.status('D1', 0)]);
    const start = new Date(env.clock.now().getTime() + 100 * 60_000).toISOString();
    const end = new Date(env.clock.now().getTime() + 200 * 60_000).toISOString();
    const made = await kit.call('POST', '/api/v1/monitoring/windows', { scope: 'lot', lotCode: 'D1', kind: 'once', startsAt: start, endsAt: end, reason: '停车场系统升级' });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ scope: 'lot', lotCode: 'D1', districtCode: '320602', activeNow: false, expired: false });
    kit.advance(130);
    await kit.evaluate();
    expect(await alertsOf('S-D')).toEqual([]);
    const item = (await kit.get<{ items: Record<string, unknown>[] }>('/api/v1/monitoring/freshness?sourceCode=S-D')).items[0];
    expect(item).toMatchObject({ state: 'paused', pausedReason: 'maintenance', lateMinutes: 130 });
    expect((await kit.get<{ items: { id: number }[] }>('/api/v1/monitoring/windows?active=true')).items.map((w) => w.id)).toContain(made.json().id);
    kit.advance(71);
    await kit.evaluate();
    expect((await alertsOf('S-D')).map((x) => [x.scope, x.state])).toEqual([['lot', 'open']]);
    expect((await kit.get<{ items: { id: number }[] }>('/api/v1/monitoring/windows')).items.map((w) => w.id)).not.toContain(made.json().id);
    expect((await kit.get<{ items: { id: number }[] }>('/api/v1/monitoring/windows?expired=true')).items.map((w) => w.id)).toContain(made.json().id);
  });

  it('silences reminders during a weekly window on the Shanghai clock', async () => {
    const e = await withOperator('S-E', [{ code: 'E1' }, { code: 'E2', districtCode: '320612' }]);
    // The next Saturday 19:00 in Shanghai.
    const now = env.clock.now();
    let sat = parseBusinessTime(`${new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)} 19:00:00`)!;
    while (new Date(sat.getTime() + 8 * 3600_000).getUTCDay() !== 6 || sat <= now) sat = new Date(sat.getTime() + 24 * 3600_000);
    env.clock.set(sat);
    await kit.send(e, [kit.status('E1', 0), kit.status('E2', 0)]);
    const win = await kit.call('POST', '/api/v1/monitoring/windows', { scope: 'lot', lotCode: 'E1', kind: 'weekly', daysOfWeek: [6], startTime: '22:00', endTime: '02:00', reason: '每周六夜间例行维护' });
    expect(win.json()).toMatchObject({ kind: 'weekly', daysOfWeek: [6], startTime: '22:00', endTime: '02:00', activeNow: false });
    await kit.send(e, [kit.status('E2', 0)]);

    env.clock.set(new Date(sat.getTime() + 150 * 60_000)); // Sat 21:30: E1 late for 150 minutes, window not yet on
    await kit.send(e, [kit.status('E2', 0)]);
    await kit.evaluate();
    const [alert] = await alertsOf('S-E');
    expect(alert).toMatchObject({ lotCode: 'E1', state: 'open', reminders: 0 });

    env.clock.set(new Date(sat.getTime() + 220 * 60_000)); // Sat 22:40: reminder due, but the window is on
    await kit.send(e, [kit.status('E2', 0)]);
    await kit.evaluate();
    expect((await alertsOf('S-E'))[0]!.reminders).toBe(0);
    expect((await kit.get<{ items: { lotCode: string; state: string }[] }>('/api/v1/monitoring/freshness?sourceCode=S-E')).items.map((i) => [i.lotCode, i.state])).toEqual([['E1', 'paused'], ['E2', 'ok']]);

    env.clock.set(new Date(sat.getTime() + 410 * 60_000)); // Sun 01:50: still on
    await kit.send(e, [kit.status('E2', 0)]);
    await kit.evaluate();
    expect((await alertsOf('S-E'))[0]!.reminders).toBe(0);

    env.clock.set(new Date(sat.getTime() + 425 * 60_000)); // Sun 02:05: over
    await kit.send(e, [kit.status('E2', 0)]);
    await kit.evaluate();
    expect((await alertsOf('S-E'))[0]!.reminders).toBe(1);
  });

  it('validates, scopes and audits maintenance windows', async () => {
    const post = (body: object, as = admin) => kit.call('POST', '/api/v1/monitoring/windows', body, as);
    const err = async (body: object) => {
      const r = await post(body);
      return [r.statusCode, r.json().error.code];
    };
    expect(await err({ scope: 'all', kind: 'once', startsAt: '2026-12-01 10:00:00', endsAt: '2026-12-01 09:00:00', reason: 'x' })).toEqual([400, 'INVALID_WINDOW']);
    expect(await err({ scope: 'all', kind: 'once', startsAt: 'tomorrow', endsAt: '2026-12-01 09:00:00', reason: 'x' })).toEqual([400, 'INVALID_TIME']);
    expect(await err({ scope: 'all', kind: 'weekly', daysOfWeek: [], startTime: '01:00', endTime: '02:00', reason: 'x' })).toEqual([400, 'INVALID_DAYS']);
    expect(await err({ scope: 'all', kind: 'weekly', daysOfWeek: [1], startTime: '25:00', endTime: '02:00', reason: 'x' })).toEqual([400, 'INVALID_TIME_OF_DAY']);
    expect(await err({ scope: 'lot', lotCode: 'NOPE', kind: 'weekly', daysOfWeek: [1], startTime: '01:00', endTime: '02:00', reason: 'x' })).toEqual([400, 'UNKNOWN_LOT']);
    expect(await err({ scope: 'district', districtCode: '999999', kind: 'weekly', daysOfWeek: [1], startTime: '01:00', endTime: '02:00', reason: 'x' })).toEqual([400, 'UNKNOWN_DISTRICT']);
    expect(await err({ scope: 'all', kind: 'weekly', daysOfWeek: [1], startTime: '01:00', endTime: '02:00', reason: ' ' })).toEqual([400, 'INVALID_REASON']);

    const tz = await userToken(env.app, admin, { username: 'tz-windows', role: 'district', districtCode: '320612' });
    expect((await post({ scope: 'all', kind: 'weekly', daysOfWeek: [1], startTime: '01:00', endTime: '02:00', reason: 'x' }, tz)).statusCode).toBe(403);
    const cc = await post({ scope: 'district', districtCode: '320602', kind: 'weekly', daysOfWeek: [1, 2], startTime: '01:00', endTime: '24:00', validFrom: '2026-12-01', reason: '崇川区网络割接' });
    expect(cc.json()).toMatchObject({ scope: 'district', districtCode: '320602', startTime: '01:00', endTime: '00:00', validFrom: '2026-12-01' });
    const id = cc.json().id as number;
    expect((await kit.get<{ items: { id: number }[] }>('/api/v1/monitoring/windows', tz)).items.map((w) => w.id)).not.toContain(id);
    expect((await kit.call('GET', `/api/v1/monitoring/windows/${id}`, undefined, tz)).statusCode).toBe(404);

    const patched = await kit.call('PATCH', `/api/v1/monitoring/windows/${id}`, { reason: '崇川区网络割接（延期）', validTo: '2026-12-31' });
    expect(patched.json()).toMatchObject({ reason: '崇川区网络割接（延期）', validTo: '2026-12-31', daysOfWeek: [1, 2] });
    expect((await kit.call('DELETE', `/api/v1/monitoring/windows/${id}`)).statusCode).toBe(204);
    expect((await kit.call('GET', `/api/v1/monitoring/windows/${id}`)).statusCode).toBe(404);
    const audited = await env.ctx.db.selectFrom('audit_log').select('action').where('target_type', '=', 'monitoring_window').where('target_id', '=', String(id)).orderBy('id').execute();
    expect(audited.map((r) => r.action)).toEqual(['monitoring.window.create', 'monitoring.window.update', 'monitoring.window.delete']);
  });

  it('shows district users the alerts of their district only', async () => {
    const tz = await userToken(env.app, admin, { username: 'tz-alerts', role: 'district', districtCode: '320612' });
    const mine = (await kit.get<{ items: Alert[] }>('/api/v1/monitoring/alerts', tz)).items;
    expect(mine.every((x) => x.districtCodes.includes('320612'))).toBe(true);
    const other = (await alertsOf('S-B'))[0]!;
    expect((await kit.call('GET', `/api/v1/monitoring/alerts/${other.id}`, undefined, tz)).statusCode).toBe(404);
    expect((await kit.call('GET', `/api/v1/monitoring/alerts/${other.id}`)).statusCode).toBe(200);
    const tasks = (await kit.get<{ items: { districtCodes: string[] }[] }>('/api/v1/monitoring/followups', tz)).items;
    expect(tasks.every((t) => t.districtCodes.includes('320612'))).toBe(true);
  });

  it('marks a source with three outages in 30 days for diagnosis, until cleared', async () => {
    const g = await withOperator('S-G', [{ code: 'G1' }]);
    const outage = async () => {
      await kit.send(g, [kit.status('G1', 0)]);
      await kit.evaluate();
      kit.advance(121);
      return kit.evaluate();
    };
    const listed = async (q = '') => (await kit.get<{ items: { sourceCode: string; state: string; outagesAtMark: number; outages30d: number }[] }>(`/api/v1/monitoring/problem-sources${q}`)).items.filter((p) => p.sourceCode === 'S-G');
    await outage();
    await outage();
    expect(await listed()).toEqual([]);
    const third = await outage();
    expect(third.markedSources).toEqual(['S-G']);
    expect(await listed()).toEqual([expect.objectContaining({ state: 'marked', outagesAtMark: 3, outages30d: 3 })]);
    expect(sent.filter((n) => n.kind === 'monitoring.source.problem' && n.title.includes('S-G'))).toHaveLength(1);
    expect((await kit.get<{ items: { sourceCode: string; problem: boolean }[] }>('/api/v1/monitoring/sources')).items.find((s) => s.sourceCode === 'S-G')?.problem).toBe(true);
    expect((await kit.evaluate()).markedSources).toEqual([]);

    expect((await kit.call('POST', '/api/v1/monitoring/problem-sources/S-G/clear', { note: '' })).statusCode).toBe(400);
    const cleared = await kit.call('POST', '/api/v1/monitoring/problem-sources/S-G/clear', { note: '厂商更换了网络线路' });
    expect(cleared.json()).toMatchObject({ state: 'cleared', clearedBy: 'admin', clearNote: '厂商更换了网络线路' });
    expect(await listed()).toEqual([]);
    expect(await listed('?all=true')).toEqual([expect.objectContaining({ state: 'cleared' })]);
    // Outages before the clearing no longer count.
    expect((await outage()).markedSources).toEqual([]);
    expect(await listed()).toEqual([]);
  });

  describe('a disabled source or suspended lot', () => {
    it('closes its alerts silently', async () => {
      const x = await withOperator('S-X', [{ code: 'X1' }]);
      await kit.send(x, [kit.status('X1', 0)]);
      kit.advance(121);
      await kit.evaluate();
      const [alert] = await alertsOf('S-X');
      expect(alert!.state).toBe('open');
      await kit.call('PATCH', '/api/v1/lots/X1', { status: 'suspended' });
      const count = sent.length;
      await kit.evaluate();
      expect((await alertsOf('S-X'))[0]).toMatchObject({ state: 'resolved', resolution: 'unmonitored' });
      expect(sent.length).toBe(count);
    });
  });
});
