import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/backends.js';
import { assertBuilt, runCli } from '../../../test/support/cli.js';
import { ManualClock } from '../../platform/clock.js';
import { openRuntime } from '../../runtime.js';
import { ingestBatch } from '../ingest/index.js';
import { seedSampleRegistry } from '../registry/index.js';

/*
 * `zhibo analytics rebuild` as users run it: the built program on an embedded data directory
 * holding the sample registry and one visit to lot NT-CC-0001 on 15 October 2025 (08:00 → 09:30
 * Shanghai) with two status reports; nothing has refreshed the rollups, the rebuild writes them.
 */

describe('zhibo analytics rebuild', () => {
  let dir: string;
  const rebuild = (...args: string[]) => runCli(['analytics', 'rebuild', ...args, '--data-dir', dir]);
  const inspect = async <T>(fn: (rt: Awaited<ReturnType<typeof openRuntime>>) => Promise<T>): Promise<T> => {
    const rt = await openRuntime(testConfig({ dataDir: dir }));
    try {
      return await fn(rt);
    } finally {
      await rt.close();
    }
  };

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-analytics-'));
    const rt = await openRuntime(testConfig({ dataDir: dir }), { clock: new ManualClock(new Date('2025-10-15T02:00:00Z')) });
    try {
      await seedSampleRegistry(rt.ctx);
      const r = await ingestBatch(rt.ctx, 'NT-CITY-PARK', [
        { type: 'entry', eventId: 'a-1', occurredAt: '2025-10-15 08:00:00', lotCode: 'NT-CC-0001', plate: '苏F12345' },
        { type: 'exit', eventId: 'a-2', occurredAt: '2025-10-15 09:30:00', lotCode: 'NT-CC-0001', plate: '苏F12345', receivableFen: 600, paidFen: 600, payChannel: 'wechat' },
        { type: 'status', eventId: 'a-3', occurredAt: '2025-10-15 08:00:00', lotCode: 'NT-CC-0001', totalSpaces: 860, freeSpaces: 430 },
        { type: 'status', eventId: 'a-4', occurredAt: '2025-10-15 08:30:00', lotCode: 'NT-CC-0001', totalSpaces: 860, freeSpaces: 215 },
      ], { via: 'api' });
      expect(r.accepted).toBe(4);
      expect(await rt.ctx.db.selectFrom('analytics_lot_day').selectAll().execute()).toEqual([]);
    } finally {
      await rt.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('recomputes the rollups of the days and audits the run', async () => {
    const r = rebuild('--from', '2025-10-15', '--to', '2025-10-15');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/重算完成 \/ rebuilt 2025-10-15 … 2025-10-15.*hour rows 4, 日 day 2, 月 month 2/);
    await inspect(async ({ ctx }) => {
      const lot = await ctx.db.selectFrom('lots').select('id').where('code', '=', 'NT-CC-0001').executeTakeFirstOrThrow();
      const day = await ctx.db.selectFrom('analytics_lot_day').selectAll().where('lot_id', '=', lot.id).where('pay_channel', '=', '*').executeTakeFirstOrThrow();
      expect(day).toMatchObject({ at: new Date('2025-10-14T16:00:00Z'), entries: 1, exits: 1, occupied_seconds: 5400, dwell_seconds: 5400, receivable_fen: 600, sessions: 1, complete_sessions: 1 });
      // 50 % for 30 min, then 75 % until the lot's late threshold runs out.
      expect(day.occ_peak).toBe(0.75);
      const city = await ctx.db.selectFrom('analytics_group_day').selectAll().where('district_code', '=', '*').where('category', '=', '*').executeTakeFirstOrThrow();
      expect([city.occ_known_seconds, city.occ_ratio_seconds]).toEqual([day.occ_known_seconds, day.occ_ratio_seconds]);
      const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'analytics.rebuild').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ target_type: 'analytics', target_id: '2025-10-15..2025-10-15' });
    });
  });

  it('refuses bad dates with a message and exit code 1, before opening the database', () => {
    const bad = rebuild('--from', '2025-10-32', '--to', '2025-10-15');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BAD_DATE');
    const reversed = rebuild('--from', '2025-10-15', '--to', '2025-10-01');
    expect(reversed.code).toBe(1);
    expect(reversed.stderr).toContain('BAD_PERIOD');
    expect(rebuild('--from', '2025-10-15').stderr).toContain('--to');
  });
});
