import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from './support/backends.js';
import { bearer, loginToken } from './support/http.js';
import { multipart, newTicket } from './support/tickets.js';

/*
 * Uploads past their size limit (security review, finding 9). Busboy truncates a file at the
 * limit and marks it `truncated`; @fastify/multipart's toBuffer() misses the mark when the limit
 * falls exactly on a chunk boundary, and the first `limit` bytes used to be stored with 201. The
 * body here arrives in two chunks, the first ending at the limit, the second after the server has
 * read the first (two turns of the event loop: ordering, not timing) — the way a network delivers it.
 */

const MB = 1024 * 1024;

/** A multipart upload of `size` bytes sent as two chunks split `limit` bytes into the file. */
function splitUpload(fileName: string, size: number, limit: number) {
  const form = multipart(fileName, Buffer.alloc(size, 'a'));
  const cut = form.payload.indexOf(Buffer.from('\r\n\r\n')) + 4 + limit;
  const payload = new Readable({ read() {} });
  payload.push(form.payload.subarray(0, cut));
  setImmediate(() => setImmediate(() => {
    payload.push(form.payload.subarray(cut));
    payload.push(null);
  }));
  return { payload, headers: { ...form.headers, 'content-length': String(form.payload.length) } };
}

describeDb('uploads past their size limit', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());

  const post = (url: string, upload: ReturnType<typeof splitUpload>) =>
    env.app.inject({ method: 'POST', url, headers: { ...bearer(admin), ...upload.headers }, payload: upload.payload });

  it('refuses a ticket attachment over 10 MB with 413 FILE_TOO_LARGE and stores nothing', async () => {
    const t = await newTicket(env, admin);
    for (const size of [10 * MB + 1, 10 * MB + 1000]) {
      const res = await post(`/api/v1/tickets/${t.id}/attachments`, splitUpload('big.bin', size, 10 * MB));
      expect([res.statusCode, res.json().error?.code]).toEqual([413, 'FILE_TOO_LARGE']);
    }
    const stored = await env.ctx.db.selectFrom('ticket_attachments').select('id').where('ticket_id', '=', t.id).execute();
    expect(stored).toEqual([]);
    // Exactly 10 MB is within the limit.
    const ok = await post(`/api/v1/tickets/${t.id}/attachments`, splitUpload('ok.bin', 10 * MB, 10 * MB - 1));
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().sizeBytes).toBe(10 * MB);
  });

  it('refuses lot and onboarding imports over 20 MB with 413 FILE_TOO_LARGE', async () => {
    const lots = await env.ctx.db.selectFrom('lots').select('id').execute();
    for (const url of ['/api/v1/lots/import', '/api/v1/onboarding/import']) {
      const res = await post(url, splitUpload('big.csv', 20 * MB + 10, 20 * MB));
      expect([url, res.statusCode, res.json().error?.code]).toEqual([url, 413, 'FILE_TOO_LARGE']);
    }
    expect(await env.ctx.db.selectFrom('lots').select('id').execute()).toEqual(lots);
    expect(await env.ctx.db.selectFrom('onboarding_entries').select('id').execute()).toEqual([]);
  });
});
