import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, databaseUrl: null, tokenTtlMinutes: 720, loginMaxFailures: 5, loginAccountMaxFailures: 20, trustProxy: [], plateSearchPerMinute: 30, outboundAllow: [] });
    expect(loadConfig({ ZHIBO_PLATE_SEARCH_PER_MINUTE: '10' }).plateSearchPerMinute).toBe(10);
    expect(c.dataDir).toMatch(/data$/);
  });

  it('takes the public address without a trailing slash', () => {
    expect(loadConfig({ ZHIBO_PUBLIC_URL: 'https://zhibo.example.cn/' }).publicUrl).toBe('https://zhibo.example.cn');
    expect(loadConfig({}).publicUrl).toBeNull();
  });

  it('takes the trusted proxies as a list of addresses and CIDR ranges, none by default', () => {
    expect(loadConfig({ ZHIBO_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,fd00::/8' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    for (const none of ['', 'false', 'off', '0']) expect(loadConfig({ ZHIBO_TRUST_PROXY: none }).trustProxy).toEqual([]);
  });

  it('refuses ZHIBO_TRUST_PROXY=true, which would trust any peer, and says to list the proxies', () => {
    for (const yes of ['true', 'TRUE', '1', 'yes', 'on']) {
      expect(() => loadConfig({ ZHIBO_TRUST_PROXY: yes })).toThrow(ConfigError);
      expect(() => loadConfig({ ZHIBO_TRUST_PROXY: yes })).toThrow(/ZHIBO_TRUST_PROXY.*list the addresses/);
    }
  });

  it('takes the outbound allow-list as host names, addresses and CIDR ranges', () => {
    expect(loadConfig({ ZHIBO_OUTBOUND_ALLOW: 'smtp.intranet.nt.gov.cn, 10.20.0.0/16,127.0.0.1' }).outboundAllow).toEqual(['smtp.intranet.nt.gov.cn', '10.20.0.0/16', '127.0.0.1']);
  });

  it('takes the public service limit (default 120 a minute) and an optional Redis address', () => {
    expect(loadConfig({}).publicRatePerMinute).toBe(120);
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ ZHIBO_PUBLIC_RATE_PER_MINUTE: '600', ZHIBO_REDIS_URL: 'redis://127.0.0.1:6379/1' })).toMatchObject({ publicRatePerMinute: 600, redisUrl: 'redis://127.0.0.1:6379/1' });
    for (const bad of ['0', '-5', 'many', '1.5']) expect(() => loadConfig({ ZHIBO_PUBLIC_RATE_PER_MINUTE: bad })).toThrow(/ZHIBO_PUBLIC_RATE_PER_MINUTE/);
    expect(() => loadConfig({ ZHIBO_REDIS_URL: 'http://cache:6379' })).toThrow(/ZHIBO_REDIS_URL/);
  });

  it('prefers flags to the environment', () => {
    expect(loadConfig({ ZHIBO_PORT: '9000' }, { port: '9100' }).port).toBe(9100);
  });

  it.each([
    [{ ZHIBO_PORT: 'eighty' }, 'ZHIBO_PORT'],
    [{ ZHIBO_PORT: '70000' }, 'ZHIBO_PORT'],
    [{ ZHIBO_DATABASE_URL: 'mysql://localhost/x' }, 'ZHIBO_DATABASE_URL'],
    [{ ZHIBO_LOG_LEVEL: 'loud' }, 'ZHIBO_LOG_LEVEL'],
    [{ ZHIBO_TOKEN_TTL_MINUTES: '0' }, 'ZHIBO_TOKEN_TTL_MINUTES'],
    [{ ZHIBO_LOGIN_ACCOUNT_MAX_FAILURES: '0' }, 'ZHIBO_LOGIN_ACCOUNT_MAX_FAILURES'],
    [{ ZHIBO_TRUST_PROXY: 'maybe' }, 'ZHIBO_TRUST_PROXY'],
    [{ ZHIBO_TRUST_PROXY: '10.0.0.0/33' }, 'ZHIBO_TRUST_PROXY'],
    [{ ZHIBO_TRUST_PROXY: '10.1' }, 'ZHIBO_TRUST_PROXY'],
    [{ ZHIBO_TRUST_PROXY: '127.0.0.1,,10.0.0.1' }, 'ZHIBO_TRUST_PROXY'],
    [{ ZHIBO_TRUST_PROXY: 'proxy.internal' }, 'ZHIBO_TRUST_PROXY'],
    [{ ZHIBO_PUBLIC_URL: 'zhibo.example.cn' }, 'ZHIBO_PUBLIC_URL'],
    [{ ZHIBO_OUTBOUND_ALLOW: 'http://10.0.0.1/' }, 'ZHIBO_OUTBOUND_ALLOW'],
    [{ ZHIBO_OUTBOUND_ALLOW: '10.0.0.0/40' }, 'ZHIBO_OUTBOUND_ALLOW'],
    [{ ZHIBO_OUTBOUND_ALLOW: 'a,,b' }, 'ZHIBO_OUTBOUND_ALLOW'],
    [{ ZHIBO_PLATE_SEARCH_PER_MINUTE: '0' }, 'ZHIBO_PLATE_SEARCH_PER_MINUTE'],
  ])('names the bad setting in %o', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(setting);
  });
});

describe('read replica settings', () => {
  it('takes a replica of a PostgreSQL primary, with a 30 s lag limit by default', () => {
    const c = loadConfig({ ZHIBO_DATABASE_URL: 'postgres://p@db1/zhibo', ZHIBO_DATABASE_REPLICA_URL: 'postgres://r@db2/zhibo' });
    expect(c).toMatchObject({ replicaUrl: 'postgres://r@db2/zhibo', replicaMaxLagSeconds: 30 });
    expect(loadConfig({}).replicaUrl).toBeNull();
    expect(loadConfig({ ZHIBO_REPLICA_MAX_LAG_SECONDS: '5' }).replicaMaxLagSeconds).toBe(5);
  });

  it('refuses a replica without a primary, a non-PostgreSQL address, and a lag limit below 1 s', () => {
    expect(() => loadConfig({ ZHIBO_DATABASE_REPLICA_URL: 'postgres://r@db2/zhibo' })).toThrow('ZHIBO_DATABASE_REPLICA_URL');
    expect(() => loadConfig({ ZHIBO_DATABASE_URL: 'postgres://p@db1/zhibo', ZHIBO_DATABASE_REPLICA_URL: 'mysql://r@db2/zhibo' })).toThrow('ZHIBO_DATABASE_REPLICA_URL');
    expect(() => loadConfig({ ZHIBO_REPLICA_MAX_LAG_SECONDS: '0' })).toThrow('ZHIBO_REPLICA_MAX_LAG_SECONDS');
  });
});
