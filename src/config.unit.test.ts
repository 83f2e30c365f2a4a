import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, databaseUrl: null, tokenTtlMinutes: 720, loginMaxFailures: 5, loginAccountMaxFailures: 20, trustProxy: false, plateSearchPerMinute: 30 });
    expect(loadConfig({ ZHIBO_PLATE_SEARCH_PER_MINUTE: '10' }).plateSearchPerMinute).toBe(10);
    expect(c.dataDir).toMatch(/data$/);
  });

  it('takes the public address without a trailing slash', () => {
    expect(loadConfig({ ZHIBO_PUBLIC_URL: 'https://zhibo.example.cn/' }).publicUrl).toBe('https://zhibo.example.cn');
    expect(loadConfig({}).publicUrl).toBeNull();
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
    [{ ZHIBO_PUBLIC_URL: 'zhibo.example.cn' }, 'ZHIBO_PUBLIC_URL'],
    [{ ZHIBO_PLATE_SEARCH_PER_MINUTE: '0' }, 'ZHIBO_PLATE_SEARCH_PER_MINUTE'],
  ])('names the bad setting in %o', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(setting);
  });
});
