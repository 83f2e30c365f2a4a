import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import type { Notice } from '../../platform/notices.js';
import { evaluateThemeAlerts } from './alerts.js';

/*
 * The job themes.alerts with a manual clock: a theme at ≥ 0.9 for 30 minutes notifies once,
 * a second run notifies nothing, the recovery notifies once; under a maintenance window of a
 * member lot the episode is recorded and nobody is notified.
 */

const sent: Notice[] = [];

describeDb('themes: saturation alerts', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;
  let seq = 0;
  const at = (hhmm: string) => `2026-11-25T${hhmm}:00+08:00`;
  const status = (lotCode: string, when: string, free: number) => ({ type: 'status', eventId: `a-${++seq}`, occurredAt: at(when), lotCode, totalSpaces: 100, freeSpaces: free });
  const tick = async (hhmm: string) => {
    env.clock.set(at(hhmm));
    return evaluateThemeAlerts(env.ctx);
  };
  /** Sends status reports as of their own time (ingest refuses times ahead of the clock). */
  const send = async (lotCode: string, when: string, free: number) => {
    env.clock.set(at(when));
    expect((await postEvents(env, src, [status(lotCode, when, free)])).json().accepted).toBe(1);
  };
  const mine = () => sent.filter((n) => n.kind.startsWith('themes.'));

  beforeAll(async () => {
    sent.length = 0;
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 });
    const outbox = env.ctx.notices;
    env.ctx.notices = { notify: async (ctx, executor, notice) => { sent.push(notice); await outbox.notify(ctx, executor, notice); } };
    env.clock.set(at('07:00'));
    admin = await loginToken(env.app);
    src = await createSourceWithLots(env, admin, 'SRC', [{ code: 'LA', totalSpaces: 100 }, { code: 'LB', totalSpaces: 100 }]);
    for (const [code, lot] of [['T-A', 'LA'], ['T-B', 'LB']]) {
      const r = await env.app.inject({ method: 'POST', url: '/api/v1/themes', headers: bearer(admin), payload: { code, name: `专题 ${lot}`, kind: 'hospital', lotCodes: [lot] } });
      expect(r.statusCode, r.body).toBe(201);
    }
  });
  afterAll(() => env.close());

  it('notifies once per episode, with one recovery notice', async () => {
    await send('LA', '08:00', 5);
    expect(await tick('08:10')).toMatchObject({ opened: 0, notices: 0 });
    expect(await tick('08:30')).toMatchObject({ opened: 1, notices: 1 });
    expect(mine().map((n) => n.kind)).toEqual(['themes.alert.opened']);
    expect(mine()[0]!).toMatchObject({ severity: 'warning', link: '/themes/T-A' });
    expect(await tick('08:31')).toMatchObject({ opened: 0, notices: 0 });
    await send('LA', '08:40', 2);
    expect(await tick('08:41')).toMatchObject({ opened: 0, closed: 0, notices: 0 });
    await send('LA', '08:45', 40);
    expect(await tick('08:46')).toMatchObject({ closed: 1, notices: 1 });
    expect(await tick('08:47')).toMatchObject({ closed: 0, notices: 0 });
    expect(mine().map((n) => n.kind)).toEqual(['themes.alert.opened', 'themes.alert.recovered']);
    const hist = (await env.app.inject({ method: 'GET', url: '/api/v1/themes/T-A/alerts', headers: bearer(admin) })).json().items;
    expect(hist).toEqual([{ startedAt: '2026-11-25T00:00:00.000Z', endedAt: '2026-11-25T00:46:00.000Z', notifiedAt: '2026-11-25T00:30:00.000Z', peak: 0.98, silenced: false }]);
    const live = (await env.app.inject({ method: 'GET', url: '/api/v1/themes/T-A/live', headers: bearer(admin) })).json();
    expect(live.alert).toMatchObject({ active: false, since: null });
    // 08:00–08:45 at ≥ 0.9 today.
    expect(live.saturatedMinutesToday).toBe(45);
  });

  it('stays silent under a maintenance window over a member lot, but records the episode', async () => {
    const w = await env.app.inject({
      method: 'POST', url: '/api/v1/monitoring/windows', headers: bearer(admin),
      payload: { scope: 'lot', lotCode: 'LB', kind: 'once', startsAt: at('08:50'), endsAt: at('10:00'), reason: '设备检修' },
    });
    expect(w.statusCode, w.body).toBe(201);
    const before = mine().length;
    await send('LB', '09:00', 0);
    await tick('09:30');
    const live = (await env.app.inject({ method: 'GET', url: '/api/v1/themes/T-B/live', headers: bearer(admin) })).json();
    expect(live.alert).toMatchObject({ active: true, since: '2026-11-25T01:00:00.000Z' });
    await send('LB', '09:40', 50);
    await tick('09:41');
    expect(mine().length).toBe(before);
    const hist = (await env.app.inject({ method: 'GET', url: '/api/v1/themes/T-B/alerts', headers: bearer(admin) })).json().items;
    expect(hist).toMatchObject([{ startedAt: '2026-11-25T01:00:00.000Z', endedAt: '2026-11-25T01:41:00.000Z', notifiedAt: null, silenced: true }]);
  });
});
