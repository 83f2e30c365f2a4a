import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { formatShanghai } from '../../platform/time.js';

// ManualClock starts at 2026-11-25T02:00Z = Wednesday 2026-11-25 10:00 Shanghai.
const HOUR = 3_600_000;
const sh = (iso: string | null | undefined) => (iso ? formatShanghai(new Date(iso)).slice(0, 16) : null);

describeDb('incident ledger: one-click from alerts and work orders, links', (backend) => {
  let env: TestEnv;
  let admin: string;
  let n = 0;
  const alertIds: Record<string, number> = {};
  let ticketId: number;

  const post = (url: string, payload: unknown = {}) => env.app.inject({ method: 'POST', url, headers: bearer(admin), payload: payload as object });
  const report = async (source: TestSource, lots: string[]) => {
    const at = env.clock.now().toISOString();
    const res = await postEvents(env, source, lots.map((lotCode) => ({ type: 'status', eventId: `e-${++n}`, occurredAt: at, lotCode, totalSpaces: 100, freeSpaces: 10 })));
    expect(res.json()).toMatchObject({ accepted: lots.length });
  };

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 365 * 24 * 60 });
    admin = await loginToken(env.app);
    // One lot alone, and a source with three lots in two districts: the monitor raises a lot
    // alert for the first and one source alert for the second once their data stops.
    const single = await createSourceWithLots(env, admin, 'SRC-ONE', [{ code: 'CC-1' }]);
    const many = await createSourceWithLots(env, admin, 'SRC-MANY', [{ code: 'CC-2' }, { code: 'CC-3' }, { code: 'TZ-1', districtCode: '320612' }]);
    await report(single, ['CC-1']);
    await report(many, ['CC-2', 'CC-3', 'TZ-1']);
    env.clock.advance(3 * HOUR); // 13:00: data two hours and more behind
    const evaluated = await post('/api/v1/monitoring/evaluate');
    expect(evaluated.statusCode, evaluated.body).toBe(200);
    for (const source of ['SRC-ONE', 'SRC-MANY']) {
      const res = await env.app.inject({ url: `/api/v1/monitoring/alerts?sourceCode=${source}&state=unresolved`, headers: bearer(admin) });
      const [alert] = res.json().items as { id: number; scope: string }[];
      expect(alert, res.body).toBeDefined();
      alertIds[source] = alert!.id;
    }
    const ticket = await post('/api/v1/tickets', {
      channel: 'hotline_12345', category: 'availability_wrong', title: '余位显示有空位，到场已满', description: '市民反映 CC-2 余位不准', lotCode: 'CC-2', externalNo: '12345-0001',
    });
    expect(ticket.statusCode, ticket.body).toBe(201);
    ticketId = ticket.json().id;
  });
  afterAll(() => env.close());

  it('opens an incident from a lot alert, prefilled, and returns the same one on a second click', async () => {
    // One click: no body at all.
    const res = await env.app.inject({ method: 'POST', url: `/api/v1/incidents/from-alert/${alertIds['SRC-ONE']}`, headers: bearer(admin) });
    expect(res.statusCode, res.body).toBe(201);
    const i = res.json();
    expect(i).toMatchObject({
      state: 'open', severity: 3, detectionSource: 'monitoring',
      scope: { lots: ['CC-1'], districts: ['320602'], modules: ['ingest'], cityWide: false },
      links: [{ kind: 'alert', refId: String(alertIds['SRC-ONE']) }],
    });
    expect(i.title).toContain('CC-1');
    expect(i.description).toContain(`#${alertIds['SRC-ONE']}`);
    // The data stopped at 10:00; the monitor noticed when it opened the alert (13:00).
    expect([sh(i.occurredAt), sh(i.detectedAt)]).toEqual(['2026-11-25 10:00', '2026-11-25 13:00']);
    expect(sh(i.respondDueAt)).toBe('2026-11-25 17:30'); // 三级: 4 working hours from 13:00, counted from 13:30 after lunch
    const again = await post(`/api/v1/incidents/from-alert/${alertIds['SRC-ONE']}`, { severity: 1 });
    expect([again.statusCode, again.json().id, again.json().severity]).toEqual([200, i.id, 3]);
  });

  it('suggests the severity from the lots a source alert covers, and takes overrides', async () => {
    const res = await post(`/api/v1/incidents/from-alert/${alertIds['SRC-MANY']}`, { commander: 'admin' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ severity: 2, commander: 'admin', scope: { lots: ['CC-2', 'CC-3', 'TZ-1'], districts: ['320602', '320612'] } });
    expect(res.json().scope.description).toContain('SRC-MANY');
    expect((await post('/api/v1/incidents/from-alert/999999')).statusCode).toBe(404);
    expect((await post('/api/v1/incidents/from-alert/abc')).json().error.code).toBe('INVALID_ID');
  });

  it('opens an incident from a work order with its lot and district', async () => {
    const res = await post(`/api/v1/incidents/from-ticket/${ticketId}`, { severity: 2 });
    expect(res.statusCode, res.body).toBe(201);
    const i = res.json();
    expect(i).toMatchObject({
      severity: 2, detectionSource: 'ticket',
      scope: { lots: ['CC-2'], districts: ['320602'], modules: ['public', 'ingest'] },
      links: [{ kind: 'ticket', refId: String(ticketId) }],
    });
    expect(i.title).toContain('余位显示有空位');
    const again = await post(`/api/v1/incidents/from-ticket/${ticketId}`);
    expect([again.statusCode, again.json().id]).toEqual([200, i.id]);
    expect((await post('/api/v1/incidents/from-ticket/424242')).statusCode).toBe(404);
  });

  it('links and unlinks alerts and work orders, each change in the timeline', async () => {
    const created = await post('/api/v1/incidents', { title: '余位数据异常', severity: 3 });
    const id = created.json().id;
    const linked = await post(`/api/v1/incidents/${id}/links`, { kind: 'alert', id: alertIds['SRC-MANY'] });
    expect(linked.statusCode, linked.body).toBe(201);
    const withTicket = await post(`/api/v1/incidents/${id}/links`, { kind: 'ticket', id: String(ticketId) });
    expect(withTicket.json().links.map((l: { kind: string; label: string }) => l.kind)).toEqual(['alert', 'ticket']);
    expect(withTicket.json().links[1].label).toContain('余位显示有空位');
    const twice = await post(`/api/v1/incidents/${id}/links`, { kind: 'alert', id: alertIds['SRC-MANY'] });
    expect(twice.json().links).toHaveLength(2);
    expect((await post(`/api/v1/incidents/${id}/links`, { kind: 'alert', id: 999999 })).statusCode).toBe(404);
    expect((await post(`/api/v1/incidents/${id}/links`, { kind: 'email', id: 1 })).json().error.code).toBe('INVALID_LINK_KIND');
    const linkId = withTicket.json().links[0].id;
    const removed = await env.app.inject({ method: 'DELETE', url: `/api/v1/incidents/${id}/links/${linkId}`, headers: bearer(admin) });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().links.map((l: { kind: string }) => l.kind)).toEqual(['ticket']);
    expect(removed.json().timeline.filter((e: { kind: string }) => e.kind === 'link')).toHaveLength(3);
    expect((await env.app.inject({ method: 'DELETE', url: `/api/v1/incidents/${id}/links/${linkId}`, headers: bearer(admin) })).statusCode).toBe(404);
  });
});
