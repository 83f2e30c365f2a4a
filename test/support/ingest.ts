import { signedHeaders } from '../../src/platform/signing.js';
import type { TestEnv } from './backends.js';
import { bearer } from './http.js';

export interface TestSource {
  code: string;
  secret: string;
}

/** Creates a data source and lots bound to it through the registry API; returns the source with its secret. */
export async function createSourceWithLots(
  env: TestEnv,
  adminToken: string,
  source: string,
  lots: { code: string; districtCode?: string; kind?: 'off_street' | 'on_street'; totalSpaces?: number; category?: string }[],
): Promise<TestSource> {
  const res = await env.app.inject({ method: 'POST', url: '/api/v1/sources', headers: bearer(adminToken), payload: { code: source, name: `系统 ${source}` } });
  if (res.statusCode !== 201) throw new Error(`create source: ${res.body}`);
  const secret = res.json().secret as string;
  for (const lot of lots) {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/lots',
      headers: bearer(adminToken),
      payload: { name: `停车场 ${lot.code}`, districtCode: '320602', kind: 'off_street', totalSpaces: 100, lng: 120.86, lat: 32.01, sourceCode: source, ...lot },
    });
    if (r.statusCode !== 201) throw new Error(`create lot: ${r.body}`);
  }
  return { code: source, secret };
}

/** POSTs a signed batch at the test clock's time; `raw` overrides the body text. */
export function postEvents(env: TestEnv, source: TestSource, events: unknown[], opts: { raw?: string; at?: Date; headers?: Record<string, string> } = {}) {
  const body = opts.raw ?? JSON.stringify({ events });
  return env.app.inject({
    method: 'POST',
    url: '/api/v1/ingest/events',
    headers: { ...signedHeaders(source.code, source.secret, body, opts.at ?? env.clock.now()), ...opts.headers },
    payload: body,
  });
}
