import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents } from '../../../test/support/ingest.js';

/*
 * The nearby snapshot (src/modules/public/snapshot.ts, ZHIBO_PUBLIC_CACHE_SECONDS): numbers may be
 * a few seconds old, but availability is judged against the clock at every request, and a staff
 * change of a lot's public settings is seen at once.
 */
describeDb('public service: the nearby snapshot', (backend) => {
  let env: TestEnv;
  let admin: string;
  const nearby = async () => {
    const res = await env.app.inject({ method: 'GET', url: '/api/v1/public/lots/nearby?lng=120.86&lat=32.01&radius=2000' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as { code: string; availability: string; freeSpaces: number | null }[];
  };

  beforeAll(async () => {
    env = await createTestEnv(backend, { publicCacheSeconds: 60 });
    admin = await loginToken(env.app);
    const src = await createSourceWithLots(env, admin, 'S-SNAP', [{ code: 'SN-1' }, { code: 'SN-2' }]);
    const at = new Date(env.clock.now().getTime() - 60_000).toISOString();
    const res = await postEvents(env, src, [
      { type: 'status', eventId: 'sn-1', occurredAt: at, lotCode: 'SN-1', totalSpaces: 100, freeSpaces: 40 },
      { type: 'status', eventId: 'sn-2', occurredAt: at, lotCode: 'SN-2', totalSpaces: 100, freeSpaces: 10 },
    ]);
    expect(res.json().rejected, res.body).toBe(0);
  });
  afterAll(async () => env?.close());

  it('judges availability against the clock on every answer, and sees a lot hidden by staff at once', async () => {
    expect((await nearby()).map((l) => `${l.code}:${l.availability}:${l.freeSpaces}`)).toEqual(['SN-1:live:40', 'SN-2:live:10']);
    // The answer is kept serialised: the same text and ETag again, and 304 for a client that has it.
    const url = '/api/v1/public/lots/nearby?lng=120.86&lat=32.01&radius=2000';
    const [a, b] = [await env.app.inject({ method: 'GET', url }), await env.app.inject({ method: 'GET', url })];
    expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(b.body).toBe(a.body);
    expect(b.headers.etag).toBe(a.headers.etag);
    const again = await env.app.inject({ method: 'GET', url, headers: { 'if-none-match': String(a.headers.etag) } });
    expect([again.statusCode, again.body]).toEqual([304, '']);
    // The reports are 60 s old and the threshold is 120 minutes: live up to the last millisecond, stale after it.
    env.clock.advance(119 * 60_000);
    expect((await nearby()).map((l) => l.availability)).toEqual(['live', 'live']);
    env.clock.advance(1);
    expect((await nearby()).map((l) => `${l.code}:${l.availability}:${l.freeSpaces}`)).toEqual(['SN-1:stale:null', 'SN-2:stale:null']);
    // Three hours later the same snapshot may still be held, but its reports are past the 120-minute threshold.
    env.clock.advance(3 * 3_600_000);
    expect((await nearby()).map((l) => `${l.code}:${l.availability}:${l.freeSpaces}`)).toEqual(['SN-1:stale:null', 'SN-2:stale:null']);
    admin = await loginToken(env.app);
    const hide = await env.app.inject({ method: 'PUT', url: '/api/v1/public-admin/lots/SN-2/settings', headers: bearer(admin), payload: { hidden: true, openingHours: null, chargingSpaces: null } });
    expect(hide.statusCode, hide.body).toBe(200);
    expect((await nearby()).map((l) => l.code)).toEqual(['SN-1']);
  });
});
