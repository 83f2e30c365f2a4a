import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { formatShanghai, parseBusinessTime } from '../../platform/time.js';
import { checkSlaDeadlines } from '../sla/index.js';
import { INCIDENT_STATES, type IncidentState } from './vocab.js';

// ManualClock starts at 2026-11-25T02:00Z = Wednesday 2026-11-25 10:00 Shanghai.
const MIN = 60_000;
const t = (text: string) => parseBusinessTime(text)!;
const sh = (iso: string | null | undefined) => (iso ? formatShanghai(new Date(iso)).slice(0, 16) : null);

describeDb('incident ledger: lifecycle and SLA', (backend) => {
  let env: TestEnv;
  let admin: string;
  let viewer: string;

  const post = (url: string, payload: unknown, token = admin) => env.app.inject({ method: 'POST', url, headers: bearer(token), payload: payload as object });
  const get = (url: string, token = admin) => env.app.inject({ url, headers: bearer(token) });
  const create = async (body: Record<string, unknown>) => {
    const res = await post('/api/v1/incidents', { title: '测试事件', severity: 1, ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const move = (id: number, to: string, extra: Record<string, unknown> = {}) => post(`/api/v1/incidents/${id}/transitions`, { to, ...extra });
  const moveOk = async (id: number, to: string, extra: Record<string, unknown> = {}) => {
    const res = await move(id, to, extra);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const slaOf = (incident: { sla: { kind: string }[] }, kind: string) => incident.sla.find((s) => s.kind === kind) as { state: string; dueAt: string | null; late: boolean; metAt: string | null } | undefined;

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 365 * 24 * 60 });
    admin = await loginToken(env.app);
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
  });
  afterAll(() => env.close());

  it('records an incident with the contract fields and starts the graded clocks (一级: 15 min / 2 h, 24×7)', async () => {
    const res = await post('/api/v1/incidents', { title: '平台接口超时', severity: 1, occurredAt: '2026-11-25 09:50:00', scope: '全市停车场余位查询不可用' });
    expect(res.statusCode, res.body).toBe(201);
    const i = res.json();
    expect(i).toMatchObject({
      code: 'SJ20261125-001', state: 'open', severity: 1, severityName: '一级', detectionSource: 'person',
      recoveredAt: null, rootCause: null, feedbackDueAt: null, allowedTransitions: ['acknowledged'],
      scope: { description: '全市停车场余位查询不可用', districts: [], lots: [], cityWide: true },
    });
    expect([sh(i.occurredAt), sh(i.detectedAt), sh(i.respondDueAt), sh(i.restoreDueAt)]).toEqual(['2026-11-25 09:50', '2026-11-25 09:50', '2026-11-25 10:05', '2026-11-25 11:50']);
    expect(i.timeline).toEqual([expect.objectContaining({ kind: 'created', toState: 'open', actor: 'admin' })]);
    const got = await get(`/api/v1/incidents/${i.id}`);
    expect(got.json()).toMatchObject({ id: i.id, respondDueAt: i.respondDueAt, timeline: [expect.objectContaining({ kind: 'created' })] });
    expect((await get(`/api/v1/incidents/${i.code}`)).json().id).toBe(i.id);
    const notice = await env.ctx.db.selectFrom('notifications').select(['kind', 'severity', 'title', 'link']).where('kind', '=', 'incidents.opened').executeTakeFirstOrThrow();
    expect(notice).toMatchObject({ severity: 'critical', link: `/incidents/${i.id}` });
    expect(notice.title).toContain('一级');
    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', 'like', 'incident.%').execute();
    expect(audit).toEqual([{ action: 'incident.create', target_id: 'SJ20261125-001' }]);
  });

  it('times 二级 on 24×7 and 三级 on working hours (lunch break, weekend)', async () => {
    const two = await create({ severity: 2, occurredAt: '2026-11-25 10:00:00' });
    expect([sh(two.respondDueAt), sh(two.restoreDueAt)]).toEqual(['2026-11-25 10:30', '2026-11-25 18:00']);
    // 4 working hours from Wed 10:00: 2 h to noon, 2 h after 13:30; 3 working days (3 × 7.5 h) reach Monday 10:00.
    const three = await create({ severity: 3, occurredAt: '2026-11-25 10:00:00' });
    expect([sh(three.respondDueAt), sh(three.restoreDueAt)]).toEqual(['2026-11-25 15:30', '2026-11-30 10:00']);
    // Detected later than it occurred: the clocks count from detection.
    const late = await create({ severity: 2, occurredAt: '2026-11-25 08:00:00', detectedAt: '2026-11-25 09:40:00' });
    expect([sh(late.respondDueAt), sh(late.restoreDueAt), late.detectionSource]).toEqual(['2026-11-25 10:10', '2026-11-25 17:40', 'person']);
  });

  it('refuses bad input with 4xx and named codes', async () => {
    const bad = async (body: Record<string, unknown>, status: number, code: string) => {
      const res = await post('/api/v1/incidents', { title: 'x', severity: 2, ...body });
      expect([res.statusCode, res.json().error.code], res.body).toEqual([status, code]);
    };
    await bad({ severity: 4 }, 400, 'VALIDATION_FAILED');
    await bad({ occurredAt: 'yesterday' }, 400, 'INVALID_TIME');
    await bad({ occurredAt: '2026-11-25 12:00:00' }, 400, 'FUTURE_TIME');
    await bad({ occurredAt: '2026-11-25 09:00:00', detectedAt: '2026-11-25 08:00:00' }, 400, 'INVALID_TIME');
    await bad({ detectionSource: 'psychic' }, 400, 'INVALID_SOURCE');
    await bad({ scope: { lots: ['NO-SUCH-LOT'] } }, 400, 'UNKNOWN_LOT');
    await bad({ scope: { modules: ['weather'] } }, 400, 'INVALID_SCOPE');
    await bad({ scope: { districts: ['999999'] } }, 400, 'INVALID_SCOPE');
    await bad({ commander: 'nobody' }, 400, 'UNKNOWN_USER');
    expect((await post('/api/v1/incidents', { title: 'x', severity: 1 }, viewer)).statusCode).toBe(403);
    expect((await get('/api/v1/incidents', viewer)).statusCode).toBe(200);
    expect((await get('/api/v1/incidents/999999')).statusCode).toBe(404);
  });

  it('walks every legal step and refuses every illegal one with 409 ILLEGAL_TRANSITION and the allowed list', async () => {
    const i = await create({ severity: 2 });
    const order = INCIDENT_STATES;
    for (let k = 0; k < order.length; k++) {
      const from = order[k]!;
      const next = order[k + 1];
      for (const to of order) {
        if (to === next) continue;
        const res = await move(i.id, to);
        expect(res.statusCode, `${from} → ${to}`).toBe(409);
        expect(res.json().error).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { from, to, allowed: next ? [next] : [] } });
      }
      if (!next) break;
      const body: Record<string, unknown> = next === 'reviewed' ? { rootCause: '数据库连接池耗尽', rootCauseCategory: 'capacity' } : {};
      const moved = await moveOk(i.id, next, { note: `step ${next}`, ...body });
      expect(moved.state).toBe(next);
      expect(moved.allowedTransitions).toEqual(order[k + 2] ? [order[k + 2]] : []);
    }
    const unknown = await move(i.id, 'archived');
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([400, 'INVALID_STATE']);
    const done = (await get(`/api/v1/incidents/${i.id}`)).json();
    expect(done.timeline.map((e: { kind: string; toState: string | null }) => `${e.kind}:${e.toState}`)).toEqual([
      'created:open', 'transition:acknowledged', 'transition:mitigated', 'transition:resolved', 'transition:reviewed', 'transition:closed',
    ]);
    expect(done.timeline[2].text).toContain('step mitigated');
    expect(done).toMatchObject({ state: 'closed', rootCause: '数据库连接池耗尽', rootCauseCategory: 'capacity', commander: 'admin', acknowledgedBy: 'admin' });
    // A closed incident is final.
    const edit = await env.app.inject({ method: 'PATCH', url: `/api/v1/incidents/${i.id}`, headers: bearer(admin), payload: { title: 'new' } });
    expect([edit.statusCode, edit.json().error.code]).toEqual([409, 'INCIDENT_CLOSED']);
    const audits = await env.ctx.db.selectFrom('audit_log').select('detail').where('action', '=', 'incident.transition').where('target_id', '=', i.code).execute();
    expect(audits.map((a) => (a.detail as { to: IncidentState }).to)).toEqual(['acknowledged', 'mitigated', 'resolved', 'reviewed', 'closed']);
  });

  it('requires the root cause to enter reviewed (category defaults to other)', async () => {
    const i = await create({ severity: 3 });
    for (const to of ['acknowledged', 'mitigated', 'resolved']) await moveOk(i.id, to);
    const refused = await move(i.id, 'reviewed', { note: '复盘' });
    expect([refused.statusCode, refused.json().error.code]).toEqual([409, 'RCA_REQUIRED']);
    expect((await get(`/api/v1/incidents/${i.id}`)).json().state).toBe('resolved');
    const reviewed = await moveOk(i.id, 'reviewed', { rootCause: '接入单位服务器断电' });
    expect(reviewed).toMatchObject({ state: 'reviewed', rootCause: '接入单位服务器断电', rootCauseCategory: 'other' });
    const clear = await env.app.inject({ method: 'PATCH', url: `/api/v1/incidents/${i.id}`, headers: bearer(admin), payload: { rootCause: null } });
    expect([clear.statusCode, clear.json().error.code]).toEqual([409, 'RCA_REQUIRED']);
  });

  it('meets the response and restore clocks at acknowledgement and recovery; late ones are recorded as breached', async () => {
    env.clock.set(t('2026-11-25 11:00'));
    const i = await create({ severity: 1, occurredAt: '2026-11-25 11:00:00' });
    env.clock.advance(10 * MIN);
    const acked = await moveOk(i.id, 'acknowledged', { commander: 'ops1' });
    expect(acked.commander).toBe('ops1');
    expect(slaOf(acked, 'response')).toMatchObject({ state: 'met', late: false });
    expect(acked.durations.toAcknowledgeMinutes).toBe(10);
    const assigned = await env.ctx.db.selectFrom('notifications').select('title').where('kind', '=', 'incidents.assigned').execute();
    expect(assigned).toHaveLength(1);

    env.clock.set(t('2026-11-25 13:30'));
    expect(await checkSlaDeadlines(env.ctx)).toMatchObject({ breached: expect.any(Number) });
    const open = (await get(`/api/v1/incidents/${i.id}`)).json();
    expect(slaOf(open, 'restore')).toMatchObject({ state: 'breached', late: true });
    // Service came back at 13:20 (recorded at 13:30): restore was due 13:00.
    const mitigated = await moveOk(i.id, 'mitigated', { recoveredAt: '2026-11-25 13:20:00', resolution: '切换备用数据库' });
    expect(sh(mitigated.recoveredAt)).toBe('2026-11-25 13:20');
    expect(slaOf(mitigated, 'restore')).toMatchObject({ state: 'met', late: true });
    expect(sh(mitigated.feedbackDueAt)).toBe('2026-11-25 13:50');
    expect(mitigated.durations).toMatchObject({ toRecoverMinutes: 140, outageMinutes: 140 });
    expect(mitigated.resolution).toBe('切换备用数据库');
    const tooEarly = await move(i.id, 'resolved', { at: '2026-11-25 13:00:00' });
    expect([tooEarly.statusCode, tooEarly.json().error.code]).toEqual([400, 'INVALID_TIME']);
  });

  it('starts the 30-minute feedback clock at recovery: met by feedback within it, breached after', async () => {
    env.clock.set(t('2026-11-26 09:00'));
    const onTime = await create({ severity: 2 });
    const late = await create({ severity: 2 });
    for (const i of [onTime, late]) {
      await moveOk(i.id, 'acknowledged');
      await moveOk(i.id, 'mitigated');
    }
    // Feedback before recovery would be a progress update; after it, it meets the clock.
    env.clock.advance(20 * MIN);
    const fb = await post(`/api/v1/incidents/${onTime.id}/feedback`, { note: '已电话告知市局信息中心：服务已恢复', channel: 'phone', recipient: '市城管局信息中心' });
    expect(fb.statusCode, fb.body).toBe(201);
    expect(slaOf(fb.json(), 'feedback')).toMatchObject({ state: 'met', late: false });
    expect(fb.json().feedback).toEqual([expect.objectContaining({ channel: 'phone', slaKinds: ['feedback'], recipient: '市城管局信息中心' })]);
    expect(fb.json().timeline.at(-1)).toMatchObject({ kind: 'feedback' });

    env.clock.advance(15 * MIN); // 35 minutes after recovery
    await checkSlaDeadlines(env.ctx);
    expect(slaOf((await get(`/api/v1/incidents/${late.id}`)).json(), 'feedback')).toMatchObject({ state: 'breached', late: true });
    const breach = await env.ctx.db.selectFrom('notifications').select('title').where('kind', '=', 'sla.breached').where('link', '=', `/incidents/${late.id}`).execute();
    expect(breach).toHaveLength(1);
    const lateFb = await post(`/api/v1/incidents/${late.id}/feedback`, { note: '微信群通报恢复', channel: 'wechat' });
    expect(slaOf(lateFb.json(), 'feedback')).toMatchObject({ state: 'met', late: true });
    const bad = await post(`/api/v1/incidents/${late.id}/feedback`, { note: 'x', channel: 'pigeon' });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_CHANNEL']);
    // A progress update before recovery meets nothing.
    const fresh = await create({ severity: 3 });
    const progress = await post(`/api/v1/incidents/${fresh.id}/feedback`, { note: '正在处理', channel: 'notice' });
    expect(progress.json().feedback[0].slaKinds).toEqual([]);
  });

  it('tracks follow-up actions with their own planned dates; closing needs them done or waived; completion starts the second feedback', async () => {
    env.clock.set(t('2026-11-27 10:00')); // Friday
    const i = await create({ severity: 2 });
    for (const to of ['acknowledged', 'mitigated', 'resolved']) await moveOk(i.id, to);
    await moveOk(i.id, 'reviewed', { rootCause: '版本发布未灰度', rootCauseCategory: 'change' });
    const act = (body: Record<string, unknown>) => post(`/api/v1/incidents/${i.id}/actions`, body);
    const bug = await act({ type: 'bug_fix', description: '修复连接泄漏', owner: 'ops1', plannedDate: '2026-11-30' });
    expect(bug.statusCode, bug.body).toBe(201);
    const change = await act({ type: 'change', description: '发布流程增加灰度', owner: 'admin', plannedDate: '2026-12-10' });
    const actions = change.json().actions;
    expect(actions.map((a: { type: string; plannedDate: string; state: string; overdue: boolean }) => [a.type, a.plannedDate, a.state, a.overdue])).toEqual([
      ['bug_fix', '2026-11-30', 'open', false], ['change', '2026-12-10', 'open', false],
    ]);
    expect((await act({ type: 'bug_fix', description: 'x', owner: 'ops1', plannedDate: '2026-11-26' })).json().error.code).toBe('INVALID_DATE');
    expect((await act({ type: 'refactor', description: 'x', owner: 'ops1', plannedDate: '2026-12-01' })).json().error.code).toBe('INVALID_ACTION_TYPE');
    const owned = await env.ctx.db.selectFrom('notifications').select('title').where('kind', '=', 'incidents.action_assigned').execute();
    expect(owned).toHaveLength(1); // to ops1; admin added its own

    const refused = await move(i.id, 'closed');
    expect([refused.statusCode, refused.json().error.code, refused.json().error.details.openActions.length]).toEqual([409, 'FOLLOWUPS_OPEN', 2]);

    // Moving the planned date is agreed case by case: it needs a reason.
    const [bugId, changeId] = actions.map((a: { id: number }) => a.id);
    const noReason = await env.app.inject({ method: 'PATCH', url: `/api/v1/incidents/${i.id}/actions/${bugId}`, headers: bearer(admin), payload: { plannedDate: '2026-12-01' } });
    expect(noReason.json().error.code).toBe('REASON_REQUIRED');

    // Past its planned date (Shanghai), still open: overdue; the SLA job records it.
    env.clock.set(t('2026-12-01 09:00'));
    await checkSlaDeadlines(env.ctx);
    const overdue = (await get(`/api/v1/incidents/${i.id}`)).json();
    expect(overdue.actions[0]).toMatchObject({ state: 'open', overdue: true });
    expect(overdue.overdueActions).toBe(1);
    const actionBreach = await env.ctx.db.selectFrom('sla_items').select(['state', 'due_at']).where('subject_type', '=', 'incident_action').where('subject_id', '=', String(bugId)).executeTakeFirstOrThrow();
    expect([actionBreach.state, formatShanghai(actionBreach.due_at!)]).toEqual(['breached', '2026-12-01 00:00:00']);

    const doneRes = await post(`/api/v1/incidents/${i.id}/actions/${bugId}/complete`, { note: 'v1.4.2 已上线' });
    expect(doneRes.statusCode, doneRes.body).toBe(200);
    const done = doneRes.json();
    expect(done.actions[0]).toMatchObject({ state: 'done', overdue: true, completedBy: 'admin', completionNote: 'v1.4.2 已上线' });
    // One working day to tell the users again.
    expect(slaOf(done, 'followup_feedback')).toMatchObject({ state: 'running' });
    expect(sh(done.followupFeedbackDueAt)).toBe('2026-12-02 09:00');
    const again = await post(`/api/v1/incidents/${i.id}/actions/${bugId}/complete`, {});
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'ACTION_NOT_OPEN']);

    const noWaiveReason = await post(`/api/v1/incidents/${i.id}/actions/${changeId}/waive`, { reason: '' });
    expect(noWaiveReason.statusCode).toBe(400);
    const waived = await post(`/api/v1/incidents/${i.id}/actions/${changeId}/waive`, { reason: '发布流程由平台统一改造，另行立项' });
    expect(waived.json().actions[1]).toMatchObject({ state: 'waived', waiveReason: '发布流程由平台统一改造，另行立项', overdue: false });

    const closed = await moveOk(i.id, 'closed', { closeNote: '整改完成' });
    expect(closed).toMatchObject({ state: 'closed', closeNote: '整改完成' });
    // The second feedback may come after closing.
    const told = await post(`/api/v1/incidents/${i.id}/feedback`, { note: '已书面报告整改结果', channel: 'document' });
    expect(told.statusCode, told.body).toBe(201);
    expect(slaOf(told.json(), 'followup_feedback')).toMatchObject({ state: 'met', late: false });
    // Nobody told the users at recovery either: this one meets that clock too, days late.
    expect(told.json().feedback.at(-1).slaKinds).toEqual(['feedback', 'followup_feedback']);
    expect(slaOf(told.json(), 'feedback')).toMatchObject({ state: 'met', late: true });
  });

  it('re-times running clocks when the severity changes, and keeps the met ones', async () => {
    env.clock.set(t('2026-11-25 10:00'));
    const i = await create({ severity: 3, occurredAt: '2026-11-25 10:00:00' });
    const res = await env.app.inject({ method: 'PATCH', url: `/api/v1/incidents/${i.id}`, headers: bearer(admin), payload: { severity: 1, note: '影响扩大到全市' } });
    expect(res.statusCode, res.body).toBe(200);
    expect([sh(res.json().respondDueAt), sh(res.json().restoreDueAt)]).toEqual(['2026-11-25 10:15', '2026-11-25 12:00']);
    expect(res.json().timeline.at(-1)).toMatchObject({ kind: 'update', detail: { changes: [{ field: 'severity', before: 3, after: 1 }] } });
    await moveOk(i.id, 'acknowledged');
    const two = await env.app.inject({ method: 'PATCH', url: `/api/v1/incidents/${i.id}`, headers: bearer(admin), payload: { severity: 2 } });
    expect([sh(two.json().respondDueAt), sh(two.json().restoreDueAt)]).toEqual(['2026-11-25 10:15', '2026-11-25 18:00']);
  });

  it('adds handling-process entries with their own times', async () => {
    env.clock.set(t('2026-11-25 16:00'));
    const i = await create({ severity: 3, occurredAt: '2026-11-25 15:00:00' });
    const res = await post(`/api/v1/incidents/${i.id}/timeline`, { text: '重启接入服务，观察中', at: '2026-11-25 15:30:00' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().timeline.map((e: { kind: string; at: string }) => [e.kind, sh(e.at)])).toEqual([['created', '2026-11-25 15:00'], ['note', '2026-11-25 15:30']]);
    const before = await post(`/api/v1/incidents/${i.id}/timeline`, { text: 'x', at: '2026-11-25 14:00:00' });
    expect(before.json().error.code).toBe('INVALID_TIME');
    expect((await post(`/api/v1/incidents/${i.id}/timeline`, { text: 'x' }, viewer)).statusCode).toBe(403);
  });
});
