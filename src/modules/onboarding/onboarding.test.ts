import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createEntry, entryBody, getEntry, setStage } from '../../../test/fixtures/onboarding/helpers.js';

// ManualClock starts at 2026-11-25T02:00Z = 2026-11-25 10:00 Shanghai.
const DAY = 86_400_000;

describeDb('onboarding: register', (backend) => {
  let env: TestEnv;
  let admin: string;
  let cc: string; // district user of 崇川区 320602
  let tz: string; // district user of 通州区 320612
  let viewer: string;
  let bureau: string;

  const list = async (token: string, query = '') => {
    const res = await env.app.inject({ url: `/api/v1/onboarding/entries${query}`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: { id: number; name: string; overdue: boolean; overdueDays: number; stage: string }[]; total: number };
  };
  const audits = async (action: string) =>
    (await env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id', 'detail']).where('action', '=', action).orderBy('id').execute());

  beforeAll(async () => {
    // Tokens must outlive the days the clock is moved.
    env = await createTestEnv(backend, { tokenTtlMinutes: 365 * 24 * 60 });
    admin = await loginToken(env.app);
    cc = await userToken(env.app, admin, { username: 'cc', role: 'district', districtCode: '320602' });
    tz = await userToken(env.app, admin, { username: 'tz', role: 'district', districtCode: '320612' });
    viewer = await userToken(env.app, admin, { username: 'viewer', role: 'viewer' });
    bureau = await userToken(env.app, admin, { username: 'bureau', role: 'bureau' });
  });
  afterAll(() => env.close());

  describe('CRUD and scoping', () => {
    let ccId: number;
    let tzId: number;

    it('creates an entry with defaults and its registration in the history, audited', async () => {
      const e = await createEntry(env, cc, {
        name: '南通大学附属医院停车场', address: '西寺路20号', category: '医院', knownSpaces: 860, operatorName: '某物业', contactName: '张工',
        contactPhone: '0513-85051234 转 801', keyArea: true, targetDate: '2026-12-31', note: '县里报送的候选',
      });
      ccId = e.id;
      expect(e).toMatchObject({
        districtCode: '320602', districtName: '崇川区', kind: 'off_street', category: 'hospital', knownSpaces: 860, keyArea: true, highFrequency: false,
        stage: 'not_started', stageDate: '2026-11-25', targetDate: '2026-12-31', overdue: false, lotCode: null, lotReporting: false, connectedOn: null,
        latestNote: { date: '2026-11-25', note: '县里报送的候选' },
      });
      expect(e.history).toEqual([expect.objectContaining({ fromStage: null, toStage: 'not_started', date: '2026-11-25', actor: 'cc', note: '县里报送的候选', system: false })]);
      const [a] = await audits('onboarding.create');
      expect(a).toMatchObject({ actor: 'cc', target_id: String(ccId) });
      tzId = (await createEntry(env, tz, { districtCode: '通州区', name: '通州区人民医院', kind: '路内', knownSpaces: 120, highFrequency: true })).id;
    });

    it('keeps district users to their district: lists, reads, writes', async () => {
      expect((await list(cc)).items.map((i) => i.id)).toEqual([ccId]);
      expect((await list(tz)).items.map((i) => i.id)).toEqual([tzId]);
      expect((await list(admin)).total).toBe(2);
      expect((await env.app.inject({ url: `/api/v1/onboarding/entries/${tzId}`, headers: bearer(cc) })).statusCode).toBe(404);
      const patch = await env.app.inject({ method: 'PATCH', url: `/api/v1/onboarding/entries/${tzId}`, headers: bearer(cc), payload: { knownSpaces: 1 } });
      expect(patch.statusCode).toBe(404);
      expect((await setStage(env, cc, tzId, { stage: 'contacting', note: 'x' })).statusCode).toBe(404);
      const other = await env.app.inject({ method: 'POST', url: '/api/v1/onboarding/entries', headers: bearer(cc), payload: entryBody({ districtCode: '320612', name: 'x' }) });
      expect(other.statusCode).toBe(403);
      expect(other.json().error.code).toBe('DISTRICT_FORBIDDEN');
      const move = await env.app.inject({ method: 'PATCH', url: `/api/v1/onboarding/entries/${ccId}`, headers: bearer(cc), payload: { districtCode: '320612' } });
      expect(move.statusCode).toBe(403);
    });

    it('lets viewers read but not write, and only administrators delete', async () => {
      expect((await list(viewer)).total).toBe(2);
      const w = await env.app.inject({ method: 'POST', url: '/api/v1/onboarding/entries', headers: bearer(viewer), payload: entryBody({ name: 'v' }) });
      expect(w.statusCode).toBe(403);
      const del = await env.app.inject({ method: 'DELETE', url: `/api/v1/onboarding/entries/${tzId}`, headers: bearer(bureau) });
      expect(del.statusCode).toBe(403);
      expect((await env.app.inject({ method: 'DELETE', url: `/api/v1/onboarding/entries/${tzId}`, headers: bearer(cc) })).statusCode).toBe(403);
      const unauth = await env.app.inject({ url: '/api/v1/onboarding/entries' });
      expect(unauth.statusCode).toBe(401);
    });

    it('updates only what changed, audits before/after, and refuses duplicates and bad values with specific codes', async () => {
      const res = await env.app.inject({ method: 'PATCH', url: `/api/v1/onboarding/entries/${ccId}`, headers: bearer(cc), payload: { knownSpaces: 900, contactPhone: null, highFrequency: true } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ knownSpaces: 900, contactPhone: null, highFrequency: true, name: '南通大学附属医院停车场' });
      const [a] = await audits('onboarding.update');
      expect(a!.detail).toEqual({ before: { knownSpaces: 860, contactPhone: '0513-85051234 转 801', highFrequency: false }, after: { knownSpaces: 900, contactPhone: null, highFrequency: true } });

      const dup = await env.app.inject({ method: 'POST', url: '/api/v1/onboarding/entries', headers: bearer(admin), payload: entryBody({ name: '南通大学附属医院停车场' }) });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error.code).toBe('DUPLICATE_NAME');
      const cases: [Record<string, unknown>, string][] = [
        [{ knownSpaces: -1 }, 'INVALID_KNOWN_SPACES'],
        [{ kind: 'garage' }, 'INVALID_KIND'],
        [{ targetDate: '2026-02-30' }, 'INVALID_DATE'],
        [{ contactPhone: 'call me' }, 'INVALID_PHONE'],
        [{ districtCode: '999999' }, 'UNKNOWN_DISTRICT'],
        [{ lotCode: 'NO-SUCH-LOT' }, 'UNKNOWN_LOT'],
        [{ stage: 'connected' }, 'LOT_LINK_REQUIRED'],
      ];
      for (const [body, code] of cases) {
        const r = await env.app.inject({ method: 'POST', url: '/api/v1/onboarding/entries', headers: bearer(admin), payload: entryBody({ name: `bad ${code}`, ...body }) });
        expect(r.statusCode, code).toBe(400);
        expect(r.json().error.code).toBe(code);
      }
      expect((await env.app.inject({ url: '/api/v1/onboarding/entries/abc', headers: bearer(admin) })).statusCode).toBe(400);
      expect((await list(admin, '?stage=bogus').catch(() => null))).toBeNull();
    });

    it('filters by district, stage, priority and search', async () => {
      expect((await list(admin, '?districtCode=320612')).items.map((i) => i.id)).toEqual([tzId]);
      expect((await list(admin, '?priority=key_area')).items.map((i) => i.id)).toEqual([ccId]);
      expect((await list(admin, '?priority=high_frequency')).total).toBe(2);
      expect((await list(admin, '?q=附属')).items.map((i) => i.id)).toEqual([ccId]);
      expect((await list(admin, '?q=%25')).total).toBe(0);
      expect((await list(admin, '?stage=not_started,contacting')).total).toBe(2);
      expect((await list(admin, '?stage=testing')).total).toBe(0);
      const bad = await env.app.inject({ url: '/api/v1/onboarding/entries?priority=vip', headers: bearer(admin) });
      expect(bad.json().error.code).toBe('INVALID_PRIORITY');
    });

    it('deletes for administrators, with its history, audited', async () => {
      const res = await env.app.inject({ method: 'DELETE', url: `/api/v1/onboarding/entries/${tzId}`, headers: bearer(admin) });
      expect(res.statusCode).toBe(204);
      expect((await env.app.inject({ url: `/api/v1/onboarding/entries/${tzId}`, headers: bearer(admin) })).statusCode).toBe(404);
      expect(await env.ctx.db.selectFrom('onboarding_stage_changes').select('id').where('entry_id', '=', tzId).execute()).toEqual([]);
      const [a] = await audits('onboarding.delete');
      expect(a).toMatchObject({ actor: 'admin', target_id: String(tzId), detail: { before: expect.objectContaining({ name: '通州区人民医院' }) } });
      expect((await env.app.inject({ method: 'DELETE', url: `/api/v1/onboarding/entries/${tzId}`, headers: bearer(admin) })).statusCode).toBe(404);
    });
  });

  describe('stages, history and overdue', () => {
    let id: number;

    it('records each change with a dated note, and the same stage as a progress note', async () => {
      id = (await createEntry(env, admin, { name: '万达广场', targetDate: '2026-12-10' })).id;
      env.clock.advance(2 * DAY); // 2026-11-27
      let res = await setStage(env, admin, id, { stage: 'contacting', note: '已联系运营方' });
      expect(res.statusCode, res.body).toBe(200);
      res = await setStage(env, admin, id, { stage: 'contacting', note: '运营方答应下周提供接口文档' });
      expect(res.json()).toMatchObject({ stage: 'contacting', stageDate: '2026-11-27', latestNote: { note: '运营方答应下周提供接口文档' } });
      env.clock.advance(3 * DAY); // 2026-11-30
      res = await setStage(env, admin, id, { stage: 'docking', note: '接口开发中', date: '2026-11-29' });
      const e = res.json();
      expect(e).toMatchObject({ stage: 'docking', stageDate: '2026-11-29' });
      expect(e.history.map((h: { fromStage: string | null; toStage: string; date: string; note: string }) => [h.fromStage, h.toStage, h.date, h.note])).toEqual([
        [null, 'not_started', '2026-11-25', null],
        ['not_started', 'contacting', '2026-11-27', '已联系运营方'],
        ['contacting', 'contacting', '2026-11-27', '运营方答应下周提供接口文档'],
        ['contacting', 'docking', '2026-11-29', '接口开发中'],
      ]);
      const [a] = (await audits('onboarding.stage')).slice(-1);
      expect(a!.detail).toEqual({ from: 'contacting', to: 'docking', date: '2026-11-29', note: '接口开发中' });
    });

    it('refuses a change without a note, dated in the future or before the latest entry, or to connected without a lot', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ stage: 'testing', note: '  ' }, 'NOTE_REQUIRED'],
        [{ stage: 'testing', note: 'x', date: '2026-12-01' }, 'DATE_IN_FUTURE'],
        [{ stage: 'testing', note: 'x', date: '2026-11-28' }, 'DATE_BEFORE_LAST_CHANGE'],
        [{ stage: 'testing', note: 'x', date: '30/11/2026' }, 'INVALID_DATE'],
        [{ stage: 'connected', note: 'x' }, 'LOT_LINK_REQUIRED'],
      ];
      for (const [body, code] of cases) {
        const r = await setStage(env, admin, id, body);
        expect(r.statusCode, code).toBe(400);
        expect(r.json().error.code).toBe(code);
      }
      expect((await setStage(env, admin, id, { stage: 'launched', note: 'x' })).statusCode).toBe(400);
      expect((await getEntry(env, admin, id)).history).toHaveLength(4);
    });

    it('flags an entry overdue once its target date has passed in Shanghai, paused or not, until the target moves', async () => {
      // Target 2026-12-10: still due through the whole Shanghai day of the 10th.
      env.clock.set('2026-12-10T15:59:59Z'); // 23:59:59 Shanghai
      expect((await getEntry(env, admin, id)).overdue).toBe(false);
      env.clock.set('2026-12-10T16:00:00Z'); // 2026-12-11 00:00 Shanghai
      const e = await getEntry(env, admin, id);
      expect(e).toMatchObject({ overdue: true, overdueDays: 1 });
      expect((await list(admin, '?overdue=true')).items.map((i) => i.id)).toEqual([id]);
      expect((await list(admin, '?overdue=false')).items.map((i) => i.id)).not.toContain(id);
      env.clock.set('2026-12-20T04:00:00Z');
      expect((await getEntry(env, admin, id)).overdueDays).toBe(10);
      // A paused entry stays overdue: pausing does not move the target.
      expect((await setStage(env, admin, id, { stage: 'paused', note: '运营方系统改造' })).json()).toMatchObject({ stage: 'paused', overdue: true });
      const patched = await env.app.inject({ method: 'PATCH', url: `/api/v1/onboarding/entries/${id}`, headers: bearer(admin), payload: { targetDate: '2027-03-31' } });
      expect(patched.json()).toMatchObject({ overdue: false, overdueDays: 0 });
      const cleared = await env.app.inject({ method: 'PATCH', url: `/api/v1/onboarding/entries/${id}`, headers: bearer(admin), payload: { targetDate: null } });
      expect(cleared.json()).toMatchObject({ targetDate: null, overdue: false });
      expect((await list(admin, '?overdue=false')).items.map((i) => i.id)).toContain(id);
    });
  });
});
