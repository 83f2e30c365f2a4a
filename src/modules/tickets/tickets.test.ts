import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';
import { move, multipart, newTicket, walk } from '../../../test/support/tickets.js';
import { TRANSITIONS } from './state-machine.js';
import { TICKET_STATES, type TicketState } from './vocab.js';

describeDb('tickets', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  let boss: string; // bureau: a supervisor without ops
  let tz: string; // district user of 通州区
  let viewer: string;

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
    await userToken(env.app, admin, { username: 'ops2', role: 'ops' });
    boss = await userToken(env.app, admin, { username: 'boss', role: 'bureau' });
    tz = await userToken(env.app, admin, { username: 'tz-staff', role: 'district', districtCode: '320612' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    await createSourceWithLots(env, admin, 'S-T', [{ code: 'L-CC', districtCode: '320602' }, { code: 'L-TZ', districtCode: '320612' }]);
  });
  afterAll(() => env.close());

  const get = async (id: number, token = admin) => {
    const res = await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${id}`, headers: bearer(token) });
    return { status: res.statusCode, body: res.json() };
  };

  it('creates a ticket in state new with its due times, and returns it again for the same channel and external number', async () => {
    const res = await env.app.inject({
      method: 'POST', url: '/api/v1/tickets', headers: bearer(ops),
      payload: { channel: 'hotline_12345', category: 'wrong_charge', title: '重复扣费', description: '同一次停车扣了两次', externalNo: '12345-20261125-001', lotCode: 'L-CC', plate: '苏F·12345' },
    });
    expect(res.statusCode).toBe(201);
    const t = res.json();
    expect(t).toMatchObject({ state: 'new', channel: 'hotline_12345', priority: 'normal', districtCode: '320602', plate: '苏F12345', lotCode: 'L-CC', externalNo: '12345-20261125-001' });
    expect(t.no).toMatch(/^GD20261125-\d{5}$/);
    expect(typeof t.responseDueAt).toBe('string');
    expect(typeof t.resolveDueAt).toBe('string');
    const again = await env.app.inject({
      method: 'POST', url: '/api/v1/tickets', headers: bearer(ops),
      payload: { channel: 'hotline_12345', category: 'other', title: '重发', description: '重发', externalNo: '12345-20261125-001' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: t.id, title: '重复扣费', category: 'wrong_charge' });
    // The same number from another channel is another ticket.
    const other = await newTicket(env, ops, { channel: 'wechat', externalNo: '12345-20261125-001' });
    expect(other.id).not.toBe(t.id);
  });

  it('refuses bad input with 4xx codes that name the problem', async () => {
    const post = (payload: Record<string, unknown>) => env.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: bearer(ops), payload: { channel: 'phone', category: 'other', title: 't', description: 'd', ...payload } });
    expect((await post({ channel: 'fax' })).statusCode).toBe(400);
    expect((await post({ plate: 'ABC' })).json().error.code).toBe('INVALID_PLATE');
    expect((await post({ citizenPhone: 'none' })).json().error.code).toBe('INVALID_PHONE');
    expect((await post({ lotCode: 'NOPE' })).json().error.code).toBe('UNKNOWN_LOT');
    expect((await post({ lotCode: 'L-CC', districtCode: '320612' })).json().error.code).toBe('DISTRICT_MISMATCH');
    expect((await post({ districtCode: '999999' })).json().error.code).toBe('UNKNOWN_DISTRICT');
    expect((await post({ sessionId: 424242 })).json().error.code).toBe('UNKNOWN_SESSION');
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: bearer(viewer), payload: { channel: 'phone', category: 'other', title: 't', description: 'd' } })).statusCode).toBe(403);
    const t = await newTicket(env, ops);
    expect((await move(env, ops, t.id, { to: 'flying' })).json().error.code).toBe('INVALID_STATE');
    expect((await move(env, ops, t.id, { to: 'assigned', assignee: 'viewer1' })).json().error.code).toBe('UNKNOWN_ASSIGNEE');
    expect((await move(env, ops, t.id, { to: 'assigned', team: 'nope' })).json().error.code).toBe('UNKNOWN_TEAM');
    expect((await move(env, ops, 999999, { to: 'assigned', assignee: 'ops1' })).statusCode).toBe(404);
  });

  it('walks every legal transition, and refuses every illegal one from every state with 409 and the allowed list', async () => {
    const probed = new Set<TicketState>();
    const probe = async (id: number, state: TicketState) => {
      if (probed.has(state)) return;
      probed.add(state);
      for (const to of TICKET_STATES) {
        if (TRANSITIONS[state].includes(to)) continue;
        const res = await move(env, admin, id, { to, assignee: 'ops1', reason: 'r' });
        expect(res.statusCode, `${state} → ${to}`).toBe(409);
        expect(res.json().error).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { from: state, to, allowed: [...TRANSITIONS[state]] } });
      }
      expect((await get(id)).body.state).toBe(state);
    };
    const edges = new Set<string>();
    const step = async (id: number, from: TicketState, body: Record<string, unknown>) => {
      await probe(id, from);
      const res = await move(env, admin, id, body);
      expect(res.statusCode, `${from} → ${String(body.to)}: ${res.body}`).toBe(200);
      expect(res.json().state).toBe(body.to);
      edges.add(`${from}>${String(body.to)}`);
      return res.json();
    };

    const t = await newTicket(env, ops);
    const path: Record<string, unknown>[] = [
      { to: 'assigned', assignee: 'ops1' }, { to: 'assigned', assignee: 'ops2' }, { to: 'in_progress' }, { to: 'waiting_citizen', note: '请提供缴费截图' },
      { to: 'in_progress' }, { to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }, { to: 'resolved', note: '已原路退款 5 元' }, { to: 'feedback_given', note: '电话告知' },
      { to: 'reopened', note: '市民称未到账' }, { to: 'assigned', assignee: 'ops2' }, { to: 'in_progress' }, { to: 'resolved', note: '已退款到账' },
      { to: 'feedback_given' }, { to: 'confirmed' }, { to: 'reopened' }, { to: 'in_progress' }, { to: 'resolved', note: '再次核实' },
      { to: 'feedback_given' }, { to: 'confirmed', note: '回访满意' }, { to: 'closed' },
    ];
    let state: TicketState = 'new';
    let last: Record<string, unknown> = {};
    for (const body of path) {
      last = await step(t.id, state, body);
      state = body.to as TicketState;
    }
    await probe(t.id, 'closed');
    expect(last).toMatchObject({ state: 'closed', reopenCount: 2, resolution: '再次核实', assignee: 'ops2', allowedTransitions: [] });
    for (const k of ['firstResponseAt', 'firstResolvedAt', 'resolvedAt', 'feedbackAt', 'confirmedAt', 'closedAt']) expect(last[k], k).not.toBeNull();
    const history = (last.history as { kind: string; fromState: string | null; toState: string | null; field: string | null; newValue: string | null; actor: string }[]);
    expect(history.filter((h) => h.kind === 'transition').map((h) => h.toState)).toEqual(path.map((p) => p.to));
    expect(history.filter((h) => h.field === 'assignee').map((h) => h.newValue)).toEqual(['ops1', 'ops2', 'ops1', 'ops2']);
    expect(history[0]).toMatchObject({ kind: 'created', toState: 'new', actor: 'ops1' });

    // Cancellation from each state that allows it.
    for (const [from, steps] of [
      ['new', []], ['assigned', [{ to: 'assigned', assignee: 'ops1' }]], ['in_progress', [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }]],
      ['waiting_citizen', [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }, { to: 'waiting_citizen' }]],
      ['reopened', [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }, { to: 'resolved' }, { to: 'feedback_given' }, { to: 'reopened' }]],
    ] as [TicketState, Record<string, unknown>[]][]) {
      const c = await newTicket(env, ops);
      await walk(env, admin, c.id, steps);
      const done = await step(c.id, from, { to: 'cancelled', reason: '重复来电' });
      expect(done).toMatchObject({ cancelReason: '重复来电', slaStatus: 'done' });
      expect((done.sla as { state: string }[]).map((i) => i.state)).toContain('cancelled');
      expect((done.sla as { state: string }[]).every((i) => i.state === 'cancelled' || i.state === 'met')).toBe(true);
    }
    const legal = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));
    expect([...edges].sort()).toEqual(legal.sort());
    expect([...probed].sort()).toEqual([...TICKET_STATES].filter((s) => s !== 'cancelled').sort());
  });

  it('lets only a supervisor cancel, with a reason; handling stays with ops', async () => {
    const t = await newTicket(env, ops);
    expect((await move(env, ops, t.id, { to: 'cancelled', reason: '恶意来电' })).json().error.code).toBe('SUPERVISOR_REQUIRED');
    expect((await move(env, boss, t.id, { to: 'cancelled' })).json().error.code).toBe('REASON_REQUIRED');
    expect((await move(env, boss, t.id, { to: 'assigned', assignee: 'ops1' })).statusCode).toBe(403);
    const res = await move(env, boss, t.id, { to: 'cancelled', reason: '恶意来电' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'cancelled', cancelReason: '恶意来电' });
    const audited = await env.ctx.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'ticket.transition').where('target_id', '=', String(t.id)).execute();
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: 'boss', detail: { from: 'new', to: 'cancelled', reason: '恶意来电' } });
    expect((await env.app.inject({ method: 'PATCH', url: `/api/v1/tickets/${t.id}`, headers: bearer(ops), payload: { title: 'x' } })).json().error.code).toBe('TICKET_CLOSED');
  });

  it('assigning notifies the assignee in the console', async () => {
    const t = await newTicket(env, ops, { title: '道闸抬杆失灵' });
    await walk(env, admin, t.id, [{ to: 'assigned', assignee: 'ops2', team: 'ops_onsite' }]);
    const ops2 = await loginToken(env.app, 'ops2', 'User-Pass-1');
    const inbox = await env.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: bearer(ops2) });
    expect(inbox.statusCode).toBe(200);
    expect(JSON.stringify(inbox.json())).toContain(t.no);
    const detail = (await get(t.id)).body;
    expect(detail).toMatchObject({ assignee: 'ops2', team: 'ops_onsite' });
  });

  it('keeps district users to their own district, in lists, details, KPIs and the export', async () => {
    const inTz = await newTicket(env, ops, { lotCode: 'L-TZ', title: '通州车场' });
    const inCc = await newTicket(env, ops, { lotCode: 'L-CC', title: '崇川车场' });
    const cityLevel = await newTicket(env, ops, { title: '无车场' });
    expect(inTz.districtCode).toBe('320612');
    const list = await env.app.inject({ method: 'GET', url: '/api/v1/tickets?limit=200', headers: bearer(tz) });
    const ids = list.json().items.map((i: { id: number }) => i.id);
    expect(ids).toContain(inTz.id);
    expect(ids).not.toContain(inCc.id);
    expect(ids).not.toContain(cityLevel.id);
    expect(list.json().items.every((i: { districtCode: string }) => i.districtCode === '320612')).toBe(true);
    expect((await get(inCc.id, tz)).status).toBe(404);
    expect((await get(inTz.id, tz)).status).toBe(200);
    expect((await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${inCc.id}/attachments/1`, headers: bearer(tz) })).statusCode).toBe(404);
    const kpi = (await env.app.inject({ method: 'GET', url: '/api/v1/tickets/kpis?from=2026-11-25&to=2026-11-25', headers: bearer(tz) })).json();
    expect(kpi.total).toBe(ids.length);
    // Handling is ops work: the district user cannot move even their own district's ticket.
    expect((await move(env, tz, inTz.id, { to: 'assigned', assignee: 'ops1' })).statusCode).toBe(403);
  });

  it('masks the citizen\'s name, phone and plate without pii, and audits every unmasked read', async () => {
    const t = await newTicket(env, ops, { citizenName: '张三', citizenPhone: '13812341234', plate: '苏F12345', title: '车牌识别错误' });
    const count = async () => Number((await env.ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'ticket.read_pii').executeTakeFirstOrThrow()).n);
    const before = await count();
    const masked = await get(t.id, viewer);
    expect(masked.body).toMatchObject({ citizenName: '张*', citizenPhone: '138****1234', plate: '苏F1**45' });
    const maskedList = await env.app.inject({ method: 'GET', url: `/api/v1/tickets?q=${encodeURIComponent(t.no)}`, headers: bearer(viewer) });
    expect(maskedList.json().items[0]).toMatchObject({ citizenPhone: '138****1234', plate: '苏F1**45' });
    expect(await count()).toBe(before);
    const plain = await get(t.id, admin);
    expect(plain.body).toMatchObject({ citizenName: '张三', citizenPhone: '13812341234', plate: '苏F12345' });
    expect(await count()).toBe(before + 1);
    const row = await env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id', 'detail']).where('action', '=', 'ticket.read_pii').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ actor: 'admin', target_id: String(t.id) });
    expect(JSON.stringify(row.detail)).not.toContain('13812341234');
    await env.app.inject({ method: 'GET', url: `/api/v1/tickets?q=${encodeURIComponent(t.no)}`, headers: bearer(ops) });
    expect(await count()).toBe(before + 2);
    // The plate search finds it by the normalised plate; history keeps personal data masked.
    const patched = await env.app.inject({ method: 'PATCH', url: `/api/v1/tickets/${t.id}`, headers: bearer(ops), payload: { citizenPhone: '13900001111' } });
    const change = patched.json().history.find((h: { field: string }) => h.field === 'citizenPhone');
    expect(change).toMatchObject({ oldValue: '138****1234', newValue: '139****1111' });
  });

  it('stores attachments up to 10 MB and gives them back byte for byte, audited', async () => {
    const t = await newTicket(env, ops);
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
    // Headers and body from two calls: the boundaries differ, the body is malformed.
    const up = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${t.id}/attachments`, headers: { ...bearer(ops), ...multipart('a.png', bytes).headers }, payload: multipart('a.png', bytes).payload });
    expect(up.statusCode, up.body).toBe(400);
    const form = multipart('小票 照片.png', bytes, 'image/png');
    const up2 = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${t.id}/attachments`, headers: { ...bearer(ops), ...form.headers }, payload: form.payload });
    expect(up2.statusCode, up2.body).toBe(201);
    const att = up2.json();
    expect(att).toMatchObject({ fileName: '小票 照片.png', contentType: 'image/png', sizeBytes: 3000 });
    const down = await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${t.id}/attachments/${att.id}`, headers: bearer(viewer) });
    expect(down.statusCode).toBe(200);
    expect(down.headers['content-type']).toBe('image/png');
    expect(String(down.headers['content-disposition'])).toContain(encodeURIComponent('小票 照片.png'));
    expect(Buffer.compare(down.rawPayload, bytes)).toBe(0);
    const audited = await env.ctx.db.selectFrom('audit_log').select(['actor']).where('action', '=', 'ticket.attachment.download').where('target_id', '=', String(t.id)).execute();
    expect(audited.map((a) => a.actor)).toEqual(['viewer1']);
    expect((await get(t.id)).body.attachments).toHaveLength(1);
    const big = multipart('big.bin', Buffer.alloc(10 * 1024 * 1024 + 1, 1));
    const tooBig = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${t.id}/attachments`, headers: { ...bearer(ops), ...big.headers }, payload: big.payload });
    expect(tooBig.statusCode).toBe(413);
    expect((await get(t.id)).body.attachments).toHaveLength(1);
    expect((await env.app.inject({ method: 'GET', url: `/api/v1/tickets/${t.id}/attachments/999999`, headers: bearer(ops) })).statusCode).toBe(404);
  });

  it('merges a duplicate into the primary: closed as merged, comments and attachments kept and shown on the primary', async () => {
    const primary = await newTicket(env, ops, { title: '主工单' });
    const dup = await newTicket(env, ops, { title: '重复来电' });
    const note = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${dup.id}/comments`, headers: bearer(ops), payload: { visibility: 'internal', body: '同一车主第二次来电' } });
    expect(note.statusCode).toBe(201);
    const res = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${dup.id}/merge`, headers: bearer(ops), payload: { into: primary.id, note: '重复' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: primary.id, mergedTickets: [{ id: dup.id, no: dup.no }] });
    expect(res.json().comments.map((c: { body: string; ticketNo: string }) => [c.body, c.ticketNo])).toEqual([['同一车主第二次来电', dup.no]]);
    const d = (await get(dup.id)).body;
    expect(d).toMatchObject({ state: 'closed', mergedInto: primary.id, mergedIntoNo: primary.no, allowedTransitions: [] });
    expect(d.sla.every((i: { state: string }) => i.state === 'cancelled')).toBe(true);
    expect(d.history.at(-1)).toMatchObject({ kind: 'merged_into', newValue: primary.no });
    expect((await move(env, admin, dup.id, { to: 'assigned', assignee: 'ops1' })).json().error.code).toBe('ILLEGAL_TRANSITION');
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${primary.id}/merge`, headers: bearer(ops), payload: { into: dup.id } })).json().error.code).toBe('MERGE_TARGET_CLOSED');
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${primary.id}/merge`, headers: bearer(ops), payload: { into: primary.id } })).json().error.code).toBe('MERGE_SELF');
  });

  it('a public reply is the first response; an internal note is not', async () => {
    const t = await newTicket(env, ops);
    const internal = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${t.id}/comments`, headers: bearer(ops), payload: { visibility: 'internal', body: '先查流水' } });
    expect(internal.statusCode).toBe(201);
    let d = (await get(t.id)).body;
    expect(d.firstResponseAt).toBeNull();
    expect(d.sla.find((i: { kind: string }) => i.kind === 'response').state).toBe('running');
    const reply = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${t.id}/comments`, headers: bearer(ops), payload: { visibility: 'public', body: '您好，已受理，正在核查' } });
    expect(reply.statusCode).toBe(201);
    d = (await get(t.id)).body;
    expect(d.firstResponseAt).not.toBeNull();
    expect(d.sla.find((i: { kind: string }) => i.kind === 'response')).toMatchObject({ state: 'met', late: false });
    expect(d.comments.map((c: { visibility: string }) => c.visibility)).toEqual(['internal', 'public']);
    // Supervisors may note, not reply.
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${t.id}/comments`, headers: bearer(boss), payload: { visibility: 'public', body: 'x' } })).statusCode).toBe(403);
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${t.id}/comments`, headers: bearer(boss), payload: { visibility: 'internal', body: '请加快' } })).statusCode).toBe(201);
  });

  it('documents the ticket routes in the OpenAPI document, the inbound ones without security', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/tickets', '/api/v1/tickets/{id}', '/api/v1/tickets/{id}/transitions', '/api/v1/tickets/kpis', '/api/v1/public/tickets/inbound']));
    expect(doc.paths['/api/v1/public/tickets/inbound'].post.security).toEqual([]);
  });
});
