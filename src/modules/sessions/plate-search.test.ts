import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';

/*
 * Searching parking records by plate without the `pii` permission (security review, finding 4):
 * a viewer typed one more character at a time into `plate=` and read the masked answers until
 * the whole plate was known. Without pii the filter now takes only a whole plate, each such
 * query is audited (who searched which plate) and limited per user and minute.
 */

const PLATES = ['苏F9X123', '苏F9X128', '苏FD12345'];

describeDb('sessions: plate search without pii', (backend) => {
  let env: TestEnv;
  let admin: string;
  let bureau: string;
  let viewer: string;
  let source: TestSource;

  const get = (token: string, url: string) => env.app.inject({ method: 'GET', url, headers: bearer(token) });
  const search = (token: string, qs: Record<string, string>) => get(token, `/api/v1/sessions?${new URLSearchParams(qs)}`);
  const exportCsv = (token: string, qs: Record<string, string>) => get(token, `/api/v1/sessions/export?${new URLSearchParams({ format: 'csv', ...qs })}`);
  const audits = (action: string) =>
    env.ctx.db.selectFrom('audit_log').select(['id', 'actor', 'action', 'target_type', 'detail']).where('action', '=', action).orderBy('id').execute();

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    bureau = await userToken(env.app, admin, { username: 'bureau1', role: 'bureau' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    source = await createSourceWithLots(env, admin, 'S-PS', [{ code: 'PS-1' }]);
    const events = PLATES.map((plate, i) => ({ type: 'entry', eventId: `in-${i}`, occurredAt: `2026-11-24 ${10 + i}:00:00`, lotCode: 'PS-1', plate }));
    const res = await postEvents(env, source, events);
    expect(res.json().accepted, res.body).toBe(PLATES.length);
  });
  afterAll(() => env.close());

  it('does not let a viewer recover a masked plate by searching a part of it', async () => {
    const masked = (await search(viewer, {})).json().items.map((i: { plate: string }) => i.plate);
    expect(masked).toEqual(['苏FD***45', '苏F9**28', '苏F9**23']);
    // The attack: extend the known start of a masked plate one character at a time.
    for (const part of ['苏F9', '苏F9X', '苏F9X1', '9X12', 'X']) {
      const res = await search(viewer, { plate: part });
      expect(res.statusCode, part).toBe(400);
      expect(res.json().error.code).toBe('PLATE_EXACT_REQUIRED');
      expect(res.body).not.toContain('苏F9X12');
    }
    const exported = await exportCsv(viewer, { plate: '苏F9X' });
    expect(exported.statusCode).toBe(400);
    expect(exported.json().error.code).toBe('PLATE_EXACT_REQUIRED');
  });

  it('finds a whole plate for a viewer, masked, and audits who searched which plate', async () => {
    const before = (await audits('session.plate_search')).length;
    const res = await search(viewer, { plate: ' 苏f·9x123 ' }); // normalised first, like every plate
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((i: { plate: string }) => i.plate)).toEqual(['苏F9**23']);
    expect(res.body).not.toContain('苏F9X123');
    const none = await search(viewer, { plate: '苏A00000' }); // a search that finds nothing is still a search
    expect(none.json().items).toEqual([]);

    const rows = (await audits('session.plate_search')).slice(before);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ actor: 'viewer1', target_type: 'parking_session', detail: { plate: '苏F9X123', count: 1 } });
    expect(rows[1]).toMatchObject({ actor: 'viewer1', detail: { plate: '苏A00000', count: 0 } });
    expect((await audits('session.read_pii')).filter((r) => r.actor === 'viewer1')).toEqual([]);
  });

  it('exports by a whole plate for a viewer the same way: masked rows, one audit row', async () => {
    const before = (await audits('session.plate_search')).length;
    const res = await exportCsv(viewer, { plate: '苏F9X128' });
    expect(res.statusCode, res.body).toBe(200);
    const rows = parseCsv(res.rawPayload, { bom: true }) as string[][];
    expect(rows.slice(1).map((r) => r[3])).toEqual(['苏F9**28']);
    expect(res.rawPayload.includes(Buffer.from('苏F9X128'))).toBe(false);
    const audit = (await audits('session.plate_search')).slice(before);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'viewer1', detail: { plate: '苏F9X128', export: 'csv' } });
  });

  it('keeps substring search for users with pii, unmasked and audited as before', async () => {
    const before = (await audits('session.read_pii')).length;
    const res = await search(bureau, { plate: '9X12' });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((i: { plate: string }) => i.plate)).toEqual(['苏F9X128', '苏F9X123']);
    const csv = await exportCsv(bureau, { plate: 'F9X' });
    expect((parseCsv(csv.rawPayload, { bom: true }) as string[][]).slice(1).map((r) => r[3])).toEqual(['苏F9X128', '苏F9X123']);
    const rows = (await audits('session.read_pii')).slice(before);
    expect(rows.map((r) => r.detail)).toEqual([{ filter: { plate: '9X12' }, count: 2 }, { export: 'csv', filter: { plate: 'F9X' }, count: 2 }]);
  });

  it('limits plate searches without pii to 30 a minute per user, over the list and the export', async () => {
    const limited = await userToken(env.app, admin, { username: 'viewer2', role: 'viewer' });
    const other = await userToken(env.app, admin, { username: 'viewer3', role: 'viewer' });
    for (let i = 0; i < 30; i++) {
      // Refused partial plates count too: probing is what the limit is for.
      const res = i % 3 === 0 ? await exportCsv(limited, { plate: '苏F9X123' }) : await search(limited, { plate: i % 3 === 1 ? '苏F9X123' : '苏F9' });
      expect(res.statusCode, `query ${i + 1}`).toBe(i % 3 === 2 ? 400 : 200);
    }
    const before = (await audits('session.plate_search')).length;
    for (const res of [await search(limited, { plate: '苏F9X123' }), await exportCsv(limited, { plate: '苏F9X123' })]) {
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect((await audits('session.plate_search')).length).toBe(before); // refused before any search ran
    // Only plate searches are limited, and only this user's.
    expect((await search(limited, { lotCode: 'PS-1' })).statusCode).toBe(200);
    expect((await search(other, { plate: '苏F9X123' })).statusCode).toBe(200);
    // Users with pii are not limited.
    for (let i = 0; i < 35; i++) expect((await search(bureau, { plate: 'F9' })).statusCode).toBe(200);
    // The next minute starts afresh.
    env.clock.advance(60_000);
    expect((await search(limited, { plate: '苏F9X123' })).statusCode).toBe(200);
  });
});
