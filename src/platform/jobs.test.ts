import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../test/support/backends.js';
import { runExclusive, takeLease } from './jobs.js';

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
});
