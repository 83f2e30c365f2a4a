import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../test/support/backends.js';
import { ManualClock } from './clock.js';
import type { AppContext } from './context.js';
import { runExclusive, scheduleJob, takeLease } from './jobs.js';
import { formatShanghai } from './time.js';

describeDb('job leases', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend);
  });
  afterAll(() => env.close());

  it('lets one node hold a job until its lease expires', async () => {
    expect(await takeLease(env.ctx, 'sync-check', 60_000, 'node-a')).toBe(true);
    expect(await takeLease(env.ctx, 'sync-check', 60_000, 'node-b')).toBe(false);
    expect(await takeLease(env.ctx, 'sync-check', 60_000, 'node-a')).toBe(true); // renewal
    env.clock.advance(61_000);
    expect(await takeLease(env.ctx, 'sync-check', 60_000, 'node-b')).toBe(true);
  });

  it('runs a job on one node only, then frees it', async () => {
    const ran: string[] = [];
    let inner: boolean | null = null;
    const outer = await runExclusive(env.ctx, 'report', 60_000, async () => {
      ran.push('a');
      inner = await runExclusive(env.ctx, 'report', 60_000, async () => void ran.push('b'), 'node-b');
    }, 'node-a');
    expect([outer, inner, ran]).toEqual([true, false, ['a']]);
    expect(await runExclusive(env.ctx, 'report', 60_000, async () => void ran.push('b'), 'node-b')).toBe(true);
    expect(ran).toEqual(['a', 'b']);
  });

  /*
   * Two app nodes on one database (security review, finding 8): each node's timer fires at every
   * tick. The lease used to be freed when a run ended, so the node whose timer fired later took it
   * again within the same tick and the job ran twice. Each node here has its own manual clock; the
   * runs are fired by hand (`trigger`) through the same scheduling code as `zhibo serve`.
   */
  it('runs a scheduled job once per tick across two app nodes, whichever node fires first', async () => {
    const clocks = { a: new ManualClock(), b: new ManualClock() };
    const ran: string[] = [];
    const node = (id: 'a' | 'b') => {
      const ctx: AppContext = { ...env.ctx, clock: clocks[id] };
      return scheduleJob(ctx, 'probe.twice', '* * * * *', 5 * 60_000, async () => void ran.push(`${formatShanghai(clocks[id].now()).slice(11, 16)} ${id}`), { holder: `node-${id}`, paused: true });
    };
    const a = node('a');
    const b = node('b');
    try {
      const tick = (minute: number) => Date.parse('2026-11-26T02:00:00Z') + minute * 60_000;
      // A fires first and is done before B fires (B's timer late, or B's clock 0.4 s behind).
      clocks.a.set(new Date(tick(0) + 3));
      clocks.b.set(new Date(tick(0) + 400));
      await a.trigger();
      await b.trigger();
      // The next tick, B first.
      clocks.a.set(new Date(tick(1) + 900));
      clocks.b.set(new Date(tick(1)));
      await b.trigger();
      await a.trigger();
      // Both at once.
      clocks.a.set(new Date(tick(2) + 1));
      clocks.b.set(new Date(tick(2) + 2));
      await Promise.all([a.trigger(), b.trigger()]);
      // A late timer of the previous tick never runs it again; the next tick runs.
      clocks.b.set(new Date(tick(2) + 59_000));
      await b.trigger();
      clocks.a.set(new Date(tick(3)));
      await a.trigger();
    } finally {
      a.stop();
      b.stop();
    }
    expect(ran.map((r) => r.slice(0, 5))).toEqual(['10:00', '10:01', '10:02', '10:03']);
    expect(ran.slice(0, 2)).toEqual(['10:00 a', '10:01 b']);
    const row = await env.ctx.db.selectFrom('job_leases').selectAll().where('name', '=', 'probe.twice').executeTakeFirstOrThrow();
    expect(row.last_due_at?.toISOString()).toBe('2026-11-26T02:03:00.000Z');
  });
});
