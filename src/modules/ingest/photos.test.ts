import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { newTicket, walk } from '../../../test/support/tickets.js';
import { prunePhotosNow } from '../../jobs.js';
import { PHOTO_MAX_BYTES } from '../../platform/photo-store.js';
import { signBody, signedHeaders } from '../../platform/signing.js';
import { inProcessFetch } from '../../cli/in-process-fetch.js';
import { DEMO_SNAPSHOT_COLOURS, snapshotPng, ZhiboClient } from '../simulator/index.js';
import { importEvents } from './index.js';
import { systemActor } from '../../platform/auth/permissions.js';

/* Records with photos (docs/接入规范.md §6.7, docs/decisions/0036-photo-store.md). */
describeDb('entry/exit snapshots', (backend) => {
  let env: TestEnv;
  let admin: string;
  let viewer: string;
  let src: TestSource;
  let dir: string;
  let seq = 0;
  const id = (p = 'p') => `${p}-${++seq}`;
  const iso = (minutesAgo: number) => new Date(env.clock.now().getTime() - minutesAgo * 60_000).toISOString();
  const png = snapshotPng([0x1f, 0x4e, 0x9c]);
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7), Buffer.from([0xff, 0xd9])]);

  const upload = (bytes: Buffer, opts: { type?: string; secret?: string; source?: string } = {}) =>
    env.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/photos',
      headers: signedHeaders(opts.source ?? src.code, opts.secret ?? src.secret, bytes, env.clock.now(), opts.type ?? 'image/png'),
      payload: bytes,
    });
  const sessionOf = (plate: string) => env.ctx.db.selectFrom('parking_sessions').selectAll().where('plate', '=', plate).executeTakeFirstOrThrow();
  const audits = (action: string) => env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id', 'detail']).where('action', '=', action).orderBy('id').execute();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-photos-'));
    env = await createTestEnv(backend, { photoDir: dir, photoRetentionDays: 180 });
    admin = await loginToken(env.app);
    viewer = await userToken(env.app, admin, { username: 'photo-viewer', role: 'viewer' });
    src = await createSourceWithLots(env, admin, 'CAM-A', [{ code: 'LOT-P1' }]);
  });
  afterAll(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('signed upload', () => {
    it('stores a PNG under its hash and answers a photo: reference; the same bytes again are the same reference', async () => {
      const res = await upload(png);
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ contentType: 'image/png', bytes: png.length });
      expect(body.ref).toBe(`photo:${body.sha256}`);
      expect(readdirSync(path.join(dir, body.sha256.slice(0, 2)))).toEqual([body.sha256]);
      const again = await upload(png, { type: 'application/octet-stream' });
      expect([again.statusCode, again.json().ref]).toEqual([201, body.ref]);
      const row = await env.ctx.db.selectFrom('ingest_photos').selectAll().where('sha256', '=', body.sha256).executeTakeFirstOrThrow();
      expect([row.source_code, row.content_type, row.bytes]).toEqual(['CAM-A', 'image/png', png.length]);
    });

    it('takes a JPEG', async () => {
      const res = await upload(jpeg, { type: 'image/jpeg' });
      expect([res.statusCode, res.json().contentType]).toEqual([201, 'image/jpeg']);
    });

    it('refuses a wrong signature with 401 BAD_SIGNATURE and stores nothing', async () => {
      const other = snapshotPng([1, 2, 3]);
      const res = await upload(other, { secret: 'not-the-secret' });
      expect([res.statusCode, res.json().error.code]).toEqual([401, 'BAD_SIGNATURE']);
      const ts = String(Math.floor(env.clock.now().getTime() / 1000));
      const swapped = await env.app.inject({
        method: 'POST', url: '/api/v1/ingest/photos', payload: other,
        headers: { 'content-type': 'image/png', 'x-zhibo-source': src.code, 'x-zhibo-timestamp': ts, 'x-zhibo-signature': signBody(src.secret, ts, png) },
      });
      expect([swapped.statusCode, swapped.json().error.code]).toEqual([401, 'BAD_SIGNATURE']);
      const unknown = await upload(other, { source: 'NOPE' });
      expect([unknown.statusCode, unknown.json().error.code]).toEqual([401, 'UNKNOWN_SOURCE']);
      expect(await env.ctx.db.selectFrom('ingest_photos').select('sha256').execute()).toHaveLength(2);
    });

    it('refuses what is not a JPEG or PNG with 415', async () => {
      const text = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
      const res = await upload(text, { type: 'image/png' });
      expect([res.statusCode, res.json().error.code]).toEqual([415, 'PHOTO_NOT_IMAGE']);
      const mismatch = await upload(png, { type: 'image/jpeg' });
      expect([mismatch.statusCode, mismatch.json().error.code]).toEqual([415, 'PHOTO_NOT_IMAGE']);
      const json = await upload(Buffer.from('{}'), { type: 'application/json' });
      expect(json.statusCode).toBe(415);
    });

    it('refuses a body over 2 MB with 413', async () => {
      const big = Buffer.concat([png, Buffer.alloc(PHOTO_MAX_BYTES)]);
      const res = await upload(big);
      expect([res.statusCode, res.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });
  });

  describe('photoUrl on events', () => {
    it('keeps the entry and exit snapshots on the session', async () => {
      const ref = (await upload(png)).json().ref as string;
      const res = await postEvents(env, src, [
        { type: 'entry', eventId: id(), occurredAt: iso(60), lotCode: 'LOT-P1', plate: '苏F10001', photoUrl: ref },
        { type: 'exit', eventId: id(), occurredAt: iso(10), lotCode: 'LOT-P1', plate: '苏F10001', photoUrl: 'https://cam.example.cn/snap/out-1.jpg?x=1' },
      ]);
      expect(res.json()).toMatchObject({ accepted: 2, rejected: 0 });
      const s = await sessionOf('苏F10001');
      expect([s.entry_photo, s.exit_photo]).toEqual([ref, 'https://cam.example.cn/snap/out-1.jpg?x=1']);
    });

    it.each([
      ['http', 'http://cam.example.cn/a.jpg'],
      ['javascript', 'javascript:alert(1)'],
      ['credentials', 'https://user:pw@cam.example.cn/a.jpg'],
      ['spaces', 'https://cam.example.cn/a b.jpg'],
      ['too long', `https://cam.example.cn/${'a'.repeat(600)}`],
      ['a short hash', 'photo:abc'],
      ['upper-case hash', `photo:${'A'.repeat(64)}`],
      ['a number', 42],
    ])('refuses a photoUrl that is %s with INVALID_PHOTO_URL, keeping the other events', async (_name, photoUrl) => {
      const res = await postEvents(env, src, [
        { type: 'entry', eventId: id(), occurredAt: iso(5), lotCode: 'LOT-P1', plate: '苏F10002', photoUrl },
        { type: 'heartbeat', eventId: id(), occurredAt: iso(5) },
      ]);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect([body.accepted, body.rejected, body.results[0].code]).toEqual([1, 1, 'INVALID_PHOTO_URL']);
    });
  });

  it('takes the simulator\'s snapshots through its client, as the demo sends them', async () => {
    const client = new ZhiboClient({ baseUrl: 'http://in-process', fetch: inProcessFetch(env.app), now: () => env.clock.now() });
    const ref = await client.uploadPhoto(src.code, src.secret, snapshotPng(DEMO_SNAPSHOT_COLOURS[3]!));
    expect(ref).toMatch(/^photo:[0-9a-f]{64}$/);
    const reply = await client.postEvents(src.code, src.secret, [{ type: 'entry', eventId: id(), occurredAt: iso(4), lotCode: 'LOT-P1', plate: '苏F10009', photoUrl: ref }]);
    expect(reply.accepted).toBe(1);
    expect((await sessionOf('苏F10009')).entry_photo).toBe(ref);
  });

  it('reads the 抓拍 column of an offline event file', async () => {
    const file = path.join(dir, 'events.csv');
    writeFileSync(file, ['类型,事件编号,发生时间,车场编码,车牌,抓拍', `入场,${id()},2026-11-25 09:00:00,LOT-P1,苏F10010,https://cam.example.cn/f/1.jpg`, `入场,${id()},2026-11-25 09:01:00,LOT-P1,苏F10011,ftp://x/y.jpg`].join('\n'));
    const result = await importEvents(env.ctx, systemActor('test:photos'), { sourceCode: src.code, input: file, fileName: 'events.csv' });
    expect([result.accepted, result.rejected, result.errors[0]?.code]).toEqual([1, 1, 'INVALID_PHOTO_URL']);
    expect((await sessionOf('苏F10010')).entry_photo).toBe('https://cam.example.cn/f/1.jpg');
  });

  describe('reading', () => {
    let sessionId: number;
    beforeAll(async () => {
      sessionId = Number((await sessionOf('苏F10001')).id);
    });

    it('gives a pii user the stored image, audited, and the external URL in the detail', async () => {
      const detail = await env.app.inject({ method: 'GET', url: `/api/v1/sessions/${sessionId}`, headers: bearer(admin) });
      const d = detail.json();
      expect(d.entryPhoto).toEqual({ kind: 'stored', url: `/api/v1/sessions/${sessionId}/photos/entry` });
      expect(d.exitPhoto).toEqual({ kind: 'external', url: 'https://cam.example.cn/snap/out-1.jpg?x=1' });
      const before = (await audits('session.read_photo')).length;
      const img = await env.app.inject({ method: 'GET', url: d.entryPhoto.url, headers: bearer(admin) });
      expect([img.statusCode, img.headers['content-type'], img.headers['cache-control']]).toEqual([200, 'image/png', 'private, no-store']);
      expect(img.rawPayload.equals(png)).toBe(true);
      const rows = await audits('session.read_photo');
      expect(rows).toHaveLength(before + 1);
      expect(rows.at(-1)).toMatchObject({ actor: 'admin', target_id: String(sessionId), detail: { which: 'entry' } });
      const ext = await env.app.inject({ method: 'GET', url: `/api/v1/sessions/${sessionId}/photos/exit`, headers: bearer(admin) });
      expect([ext.statusCode, ext.json().error.code]).toEqual([404, 'PHOTO_EXTERNAL']);
    });

    it('refuses a user without pii, and withholds the addresses from the detail and raw events', async () => {
      const before = (await audits('session.read_photo')).length;
      const img = await env.app.inject({ method: 'GET', url: `/api/v1/sessions/${sessionId}/photos/entry`, headers: bearer(viewer) });
      expect(img.statusCode).toBe(403);
      const d = (await env.app.inject({ method: 'GET', url: `/api/v1/sessions/${sessionId}`, headers: bearer(viewer) })).json();
      expect([d.entryPhoto, d.exitPhoto]).toEqual([{ kind: 'stored', url: null }, { kind: 'external', url: null }]);
      expect(JSON.stringify(d.events)).not.toContain('cam.example.cn');
      expect(JSON.stringify(d.events)).not.toContain('photo:');
      expect(await audits('session.read_photo')).toHaveLength(before);
    });

    it('answers 404 for a side without a photo and 400 for a bad side', async () => {
      await postEvents(env, src, [{ type: 'entry', eventId: id(), occurredAt: iso(3), lotCode: 'LOT-P1', plate: '苏F10003' }]);
      const bare = Number((await sessionOf('苏F10003')).id);
      const none = await env.app.inject({ method: 'GET', url: `/api/v1/sessions/${bare}/photos/entry`, headers: bearer(admin) });
      expect([none.statusCode, none.json().error.code]).toEqual([404, 'PHOTO_NOT_FOUND']);
      const bad = await env.app.inject({ method: 'GET', url: `/api/v1/sessions/${bare}/photos/side`, headers: bearer(admin) });
      expect(bad.statusCode).toBe(400);
    });
  });

  describe('retention', () => {
    it('deletes expired snapshots except those of records open work orders point at', async () => {
      // Two plates, each with a stored entry photo; a fee dispute is open on the first one's record.
      const keep = snapshotPng([0x2e, 0x7d, 0x32]);
      const drop = snapshotPng([0x8e, 0x24, 0x24]);
      const keepRef = (await upload(keep)).json().ref as string;
      const dropRef = (await upload(drop)).json().ref as string;
      await postEvents(env, src, [
        { type: 'entry', eventId: id(), occurredAt: iso(2), lotCode: 'LOT-P1', plate: '苏F20001', photoUrl: keepRef },
        { type: 'entry', eventId: id(), occurredAt: iso(2), lotCode: 'LOT-P1', plate: '苏F20002', photoUrl: dropRef },
      ]);
      const disputed = Number((await sessionOf('苏F20001')).id);
      const ticket = await newTicket(env, admin, { sessionId: disputed, lotCode: 'LOT-P1' });

      expect((await prunePhotosNow(env.ctx)).deleted).toBe(0); // nothing is old yet
      env.clock.advance(181 * 86_400_000);
      admin = await loginToken(env.app); // the old token went idle
      const r = await prunePhotosNow(env.ctx);
      expect(r).toEqual({ deleted: 3, kept: 1 }); // the first PNG, the JPEG, `drop`; `keep` stays
      const left = await env.ctx.db.selectFrom('ingest_photos').select('sha256').execute();
      expect(left.map((x) => `photo:${x.sha256}`)).toEqual([keepRef]);
      const gone = await env.app.inject({ method: 'GET', url: `/api/v1/sessions/${Number((await sessionOf('苏F20002')).id)}/photos/entry`, headers: bearer(admin) });
      expect([gone.statusCode, gone.json().error.code]).toEqual([404, 'PHOTO_GONE']);
      const kept = await env.app.inject({ method: 'GET', url: `/api/v1/sessions/${disputed}/photos/entry`, headers: bearer(admin) });
      expect(kept.statusCode).toBe(200);

      // Once the work order is closed the snapshot goes on the next run.
      await walk(env, admin, ticket.id, [{ to: 'cancelled', reason: '重复' }]);
      expect(await prunePhotosNow(env.ctx)).toEqual({ deleted: 1, kept: 0 });
    });
  });
});
