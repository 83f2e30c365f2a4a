import { randomInt } from 'node:crypto';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../../test/support/backends.js';

/*
 * With ZHIBO_REDIS_URL the public per-IP limit is counted in Redis, so that two app nodes share
 * one budget (docs/公众服务接口.md, "限流"). Redis runs at 127.0.0.1:6379 on the development
 * machines and in CI (ZHIBO_TEST_REDIS_URL overrides); without it the suite is skipped.
 */

const REDIS_URL = process.env.ZHIBO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    s.setTimeout(1000);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.once('timeout', () => { s.destroy(); resolve(false); });
  });
}

const redisUp = await reachable(REDIS_URL);

describe.skipIf(!redisUp)('public service: per-IP limit shared through Redis', () => {
  let nodeA: TestEnv;
  let nodeB: TestEnv;
  beforeAll(async () => {
    nodeA = await createTestEnv('pglite', { publicRatePerMinute: 3, redisUrl: REDIS_URL });
    nodeB = await createTestEnv('pglite', { publicRatePerMinute: 3, redisUrl: REDIS_URL });
  });
  afterAll(async () => {
    await nodeA.close();
    await nodeB.close();
  });

  it('counts one budget per address across app nodes and answers 429 with Retry-After', async () => {
    // A fresh address per run, so counts left in Redis by an earlier run do not meet this one.
    const ip = `198.51.${randomInt(0, 255)}.${randomInt(1, 255)}`;
    const call = (env: TestEnv) => env.app.inject({ method: 'GET', url: '/api/v1/public/lots/nearby?lng=120.86&lat=32.01', remoteAddress: ip });
    expect((await call(nodeA)).statusCode).toBe(200);
    expect((await call(nodeB)).statusCode).toBe(200);
    expect((await call(nodeA)).statusCode).toBe(200);
    const limited = await call(nodeB);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    const retry = Number(limited.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect((await call(nodeA)).statusCode).toBe(429);
  });
});
