import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listArchiveCommand, restoreArchiveCommand, verifyArchiveCommand } from '../src/cli/archive.js';
import { archiveNow } from '../src/jobs.js';
import { refreshAnalytics } from '../src/modules/analytics/index.js';
import { archiveMonth, restoreArchive, type ArchiveManifest } from '../src/modules/ingest/index.js';
import { systemActor } from '../src/platform/auth/permissions.js';
import { createTestEnv, describeDb, type TestEnv } from './support/backends.js';
import { bearer, loginToken } from './support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from './support/ingest.js';

/*
 * Data lifecycle (issue 22 §3, docs/decisions/0032-archive-by-batched-delete.md): events of
 * September and October 2025 and of November 2026 arrive through the signed API; a quarantined
 * batch is discarded in August 2026. On 2026-12-07 (Shanghai), with 13 months of events and 90
 * days of resolved quarantine kept, the run archives 2025-09 and 2025-10 of events and 2026-08 of
 * quarantine, deletes exactly those rows, and leaves sessions and rollups; the sync report and
 * the KPIs of October 2025 read the same afterwards; a restore puts every row back once. On
 * PostgreSQL the file is streamed with COPY (decision 0032's addendum): it is the same file, byte
 * for byte, as the paged queries write, awkward values included.
 */

const sh = (t: string) => new Date(`${t.replace(' ', 'T')}+08:00`);

describeDb('data lifecycle: monthly archive, batched delete, restore', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;
  let dir: string;
  const lines: string[] = [];
  const print = (l: string) => void lines.push(l);

  const post = async (deliveredAt: string, events: unknown[]) => {
    env.clock.set(sh(deliveredAt));
    const res = await postEvents(env, src, events);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const get = async (url: string) => {
    const res = await env.app.inject({ method: 'GET', url, headers: bearer(admin) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const entry = (id: string, lot: string, plate: string, t: string) => ({ type: 'entry', eventId: id, occurredAt: t, lotCode: lot, plate });
  const exit = (id: string, lot: string, plate: string, t: string) => ({ type: 'exit', eventId: id, occurredAt: t, lotCode: lot, plate, receivableFen: 500, paidFen: 500, payChannel: 'wechat' });
  const status = (id: string, lot: string, t: string, free: number) => ({ type: 'status', eventId: id, occurredAt: t, lotCode: lot, totalSpaces: 100, freeSpaces: free });
  const count = async (from: string, to: string) =>
    Number((await sql<{ n: number }>`select count(*)::int as n from ingest_events where occurred_at >= ${sh(from)} and occurred_at < ${sh(to)}`.execute(env.ctx.db)).rows[0]!.n);
  const stable = (r: { summary: { records: number } }) => ({ ...r, generatedAt: null });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'zhibo-archive-'));
    env = await createTestEnv(backend, { archiveDir: dir, eventRetentionMonths: 13, quarantineRetentionDays: 90 });
    admin = await loginToken(env.app);
    src = await createSourceWithLots(env, admin, 'S-ARC', [{ code: 'AR-1' }, { code: 'AR-2', districtCode: '320612' }]);
    await post('2025-09-20 10:00', [entry('e1', 'AR-1', '苏F00001', '2025-09-20 08:00:00'), exit('x1', 'AR-1', '苏F00001', '2025-09-20 09:30:00'), status('s1', 'AR-1', '2025-09-20 09:00:00', 40)]);
    // Two October sessions, one crossing into November 2025 (paired across the month edge).
    await post('2025-10-05 12:00', [entry('e2', 'AR-1', '苏F00002', '2025-10-05 08:00:00'), exit('x2', 'AR-1', '苏F00002', '2025-10-05 11:00:00'), status('s2', 'AR-2', '2025-10-05 10:00:00', 70)]);
    await post('2025-10-31 23:50', [entry('e3', 'AR-2', '苏F00003', '2025-10-31 23:00:00')]);
    await post('2025-11-01 03:00', [exit('x3', 'AR-2', '苏F00003', '2025-11-01 02:00:00'), status('s3', 'AR-2', '2025-11-01 02:30:00', 60)]);
    await post('2026-11-20 10:00', [entry('e4', 'AR-1', '苏F00004', '2026-11-20 08:00:00'), status('s4', 'AR-1', '2026-11-20 09:00:00', 50)]);
    // A quarantined batch (unknown lot), discarded on 2026-08-10.
    const bad = await post('2026-08-10 09:00', [status('q1', 'NO-SUCH-LOT', '2026-08-10 08:00:00', 1)]);
    expect(bad.rejected).toBe(1);
    const q = await env.ctx.db.selectFrom('ingest_quarantine').select('id').executeTakeFirstOrThrow();
    const discard = await env.app.inject({ method: 'POST', url: `/api/v1/ingest/quarantine/${q.id}/discard`, headers: bearer(admin), payload: { note: '测试作废' } });
    expect(discard.statusCode, discard.body).toBe(200);
    // An open quarantine row, however old, is never archived.
    await post('2025-08-01 09:00', [status('q2', 'NO-SUCH-LOT', '2025-08-01 08:00:00', 1)]);
  });
  afterAll(async () => {
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('archives the due months to checksummed gzip JSONL files, deletes exactly those rows, and keeps sessions and the reports', async () => {
    env.clock.set(sh('2026-12-07 03:53'));
    admin = await loginToken(env.app);
    await refreshAnalytics(env.ctx);
    const reportBefore = stable(await get('/api/v1/reports/sync?month=2025-10'));
    const kpiBefore = await get('/api/v1/analytics/kpis?from=2025-10-01&to=2025-10-31&groupBy=lot');
    const sessionsBefore = await env.ctx.db.selectFrom('parking_sessions').select(['id', 'entered_at', 'exited_at', 'lot_id']).orderBy('id').execute();
    expect(sessionsBefore).toHaveLength(4);
    expect(await count('2025-10-01 00:00', '2025-11-01 00:00')).toBe(4);
    expect(reportBefore.summary.records).toBe(4);

    const run = await archiveNow(env.ctx);
    expect(run.skipped).toBeNull();
    expect(run.files.map((f) => [f.table, f.month, f.rows])).toEqual([
      ['ingest_events', '2025-09', 3],
      ['ingest_events', '2025-10', 4],
      ['ingest_quarantine', '2026-08', 1],
    ]);
    expect(run.deleted).toBe(8);
    // 2025-11 is 13 months old only on 2027-01-01; the recent month and the open quarantine row stay.
    expect(await count('2025-09-01 00:00', '2025-11-01 00:00')).toBe(0);
    expect(await count('2025-11-01 00:00', '2025-12-01 00:00')).toBe(2);
    expect(await count('2026-11-01 00:00', '2026-12-01 00:00')).toBe(2);
    expect(await env.ctx.db.selectFrom('ingest_quarantine').select('status').execute()).toEqual([{ status: 'open' }]);
    expect(await env.ctx.db.selectFrom('parking_sessions').select(['id', 'entered_at', 'exited_at', 'lot_id']).orderBy('id').execute()).toEqual(sessionsBefore);

    // Each file: its manifest's checksum and row count are the file's; the rows are the table's rows.
    const oct = run.files[1]!;
    const body = await readFile(path.join(dir, oct.file));
    expect(createHash('sha256').update(body).digest('hex')).toBe(oct.sha256);
    expect(body.length).toBe(oct.bytes);
    const manifest = JSON.parse(await readFile(path.join(dir, `${oct.file}.manifest.json`), 'utf8')) as ArchiveManifest;
    expect(manifest).toMatchObject({ format: 'zhibo-archive/1', table: 'ingest_events', month: '2025-10', rows: 4, sha256: oct.sha256 });
    const rows = gunzipSync(body).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { event_id: string; payload: Record<string, unknown> });
    expect(rows.map((r) => r.event_id).sort()).toEqual(['e2', 'e3', 's2', 'x2']);
    expect(rows.find((r) => r.event_id === 'e3')!.payload).toMatchObject({ plate: '苏F00003' });

    // The monthly sync report and the KPIs of the archived month say what they said.
    expect(stable(await get('/api/v1/reports/sync?month=2025-10'))).toEqual(reportBefore);
    await refreshAnalytics(env.ctx);
    expect(await get('/api/v1/analytics/kpis?from=2025-10-01&to=2025-10-31&groupBy=lot')).toEqual(kpiBefore);
    // A month that was not archived still reads the events, and knows the lots' first events from the snapshots.
    const nov = await get('/api/v1/reports/sync?month=2025-11');
    expect(nov.lots.find((l: { lotCode: string }) => l.lotCode === 'AR-1').firstOccurredAt).toBe(sh('2025-09-20 08:00').toISOString());

    // The next night finds nothing due.
    expect((await archiveNow(env.ctx)).files).toEqual([]);

    // The console's list, and the CLI's.
    const list = await get('/api/v1/ingest/archives');
    expect(list).toMatchObject({ dir, eventRetentionMonths: 13, quarantineRetentionDays: 90, total: 3 });
    expect(list.items.map((i: { month: string; table: string; rows: number; deletedRows: number }) => [i.month, i.table, i.rows, i.deletedRows])).toEqual([
      ['2026-08', 'ingest_quarantine', 1, 1], ['2025-10', 'ingest_events', 4, 4], ['2025-09', 'ingest_events', 3, 3],
    ]);
    expect(list.items[1].restoreCommand).toBe(`npx zhibo archive restore ${path.join(dir, oct.file)}`);
    expect(list.items.every((i: { finishedAt: string | null }) => i.finishedAt !== null)).toBe(true);
    await listArchiveCommand(env.ctx, print);
    expect(lines.join('\n')).toContain(`sha256 ${oct.sha256}`);
  });

  it('restores a file once however often it is restored, and refuses a file that differs from its manifest', async () => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl.gz')).sort();
    expect(files).toEqual(['ingest_events-2025-09.jsonl.gz', 'ingest_events-2025-10.jsonl.gz', 'ingest_quarantine-2026-08.jsonl.gz']);
    expect(await verifyArchiveCommand(dir, undefined, print)).toBe(0);

    const octFile = path.join(dir, 'ingest_events-2025-10.jsonl.gz');
    expect(await restoreArchiveCommand(env.ctx, octFile, print)).toBe(0);
    expect(lines.at(-1)).toContain('4 行写回 / rows put back, 0 行已在库中');
    expect(await count('2025-10-01 00:00', '2025-11-01 00:00')).toBe(4);
    const again = await restoreArchive(env.ctx, systemActor('test'), octFile);
    expect([again.rows, again.inserted]).toEqual([4, 0]);
    expect(await count('2025-10-01 00:00', '2025-11-01 00:00')).toBe(4);
    const q = await restoreArchive(env.ctx, systemActor('test'), path.join(dir, 'ingest_quarantine-2026-08.jsonl.gz.manifest.json'));
    expect(q.inserted).toBe(1);
    const back = await env.ctx.db.selectFrom('ingest_quarantine').select(['status', 'raw_body', 'note']).where('status', '=', 'discarded').executeTakeFirstOrThrow();
    expect(back.note).toBe('测试作废');
    expect(JSON.parse(Buffer.from(back.raw_body).toString('utf8')).events[0].eventId).toBe('q1');
    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'archive.restore').execute();
    expect(audit).toHaveLength(3);

    // An altered copy: verify says so, restore refuses it and writes nothing.
    const altered = path.join(dir, 'altered.jsonl.gz');
    await copyFile(octFile, altered);
    await copyFile(`${octFile}.manifest.json`, `${altered}.manifest.json`);
    const bytes = await readFile(altered);
    bytes[bytes.length - 12] = bytes[bytes.length - 12]! ^ 0xff;
    await writeFile(altered, bytes);
    expect(await verifyArchiveCommand(dir, altered, print)).toBe(3);
    await expect(restoreArchive(env.ctx, systemActor('test'), altered)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
  });

  it.skipIf(backend !== 'postgres')('writes the same file with COPY as with paged queries, byte for byte, and it restores', async () => {
    // Values COPY's text format escapes or rounds: tab, newline, backslash, quotes, Chinese, microseconds, nulls, bytes.
    const odd = 'a\tb\nc\\d"e\r苏F·01';
    await sql`insert into ingest_events (source_code, event_id, type, lot_id, occurred_at, received_at, plate, payload)
      values ('S-ARC', ${odd}, 'status', null, '2025-10-10 10:59:59.999999+08', '2025-10-10 11:00:00.0005+08', null, ${JSON.stringify({ note: odd, n: 1.5, deep: { '2': [1, null, true], a: 'x' } })}::jsonb),
             ('S-ARC', 'late-hour', 'entry', null, '2025-10-10 10:00:00.5+08', '2025-10-10 10:00:01+08', '苏F\\00009', '{}'::jsonb)`.execute(env.ctx.db);
    await sql`insert into ingest_quarantine (source_code, received_at, raw_body, reasons, rejected, status, resolved_at, resolved_by, note)
      values (null, '2026-08-03 09:00:00.123456+08', ${Buffer.from([0, 9, 10, 92, 255, 0xe8, 0x8b])}, ${JSON.stringify([{ index: null, eventId: null, code: 'X', message: odd }])}::jsonb, 2, 'discarded', '2026-08-04 09:00+08', null, ${odd})`.execute(env.ctx.db);

    for (const [table, month, rows] of [['ingest_events', '2025-10', 6], ['ingest_quarantine', '2026-08', 2]] as const) {
      const paged = await archiveMonth(env.ctx, path.join(dir, 'paged'), table, month, { paged: true });
      expect(paged!.manifest.rows).toBe(rows);
      expect((await restoreArchive(env.ctx, systemActor('test'), path.join(dir, 'paged', paged!.manifest.file))).inserted).toBe(rows);
      const copied = await archiveMonth(env.ctx, path.join(dir, 'copy'), table, month);
      expect({ ...copied!.manifest, file: null, createdAt: null }).toEqual({ ...paged!.manifest, file: null, createdAt: null });
      expect(await readFile(path.join(dir, 'copy', copied!.manifest.file))).toEqual(await readFile(path.join(dir, 'paged', paged!.manifest.file)));
      expect(copied!.deleted).toBe(rows);
      expect((await restoreArchive(env.ctx, systemActor('test'), path.join(dir, 'copy', copied!.manifest.file))).inserted).toBe(rows);
    }
    const back = await env.ctx.db.selectFrom('ingest_events').select(['event_id', 'payload', 'plate', 'lot_id']).where('event_id', '=', odd).executeTakeFirstOrThrow();
    expect(back).toEqual({ event_id: odd, payload: { note: odd, n: 1.5, deep: { '2': [1, null, true], a: 'x' } }, plate: null, lot_id: null });
    const q = await env.ctx.db.selectFrom('ingest_quarantine').select(['raw_body', 'note', 'source_code']).where('note', '=', odd).executeTakeFirstOrThrow();
    expect([...Buffer.from(q.raw_body)]).toEqual([0, 9, 10, 92, 255, 0xe8, 0x8b]);
    expect(q.source_code).toBeNull();
  });
});
