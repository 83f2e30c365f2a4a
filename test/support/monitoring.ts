import { evaluateMonitoring } from '../../src/modules/monitoring/index.js';
import type { TestEnv } from './backends.js';
import { bearer } from './http.js';
import { postEvents, type TestSource } from './ingest.js';

/** Helpers for monitoring tests: events relative to the test clock, API calls, evaluation. */
export function monitoringKit(env: TestEnv, token: () => string) {
  let seq = 0;
  const minutesAgo = (m: number) => new Date(env.clock.now().getTime() - m * 60_000).toISOString();
  return {
    minutesAgo,
    /** A status event of the lot that happened `m` minutes before the test clock. */
    status: (lotCode: string, m = 0) => ({ type: 'status', eventId: `st-${++seq}`, occurredAt: minutesAgo(m), lotCode, totalSpaces: 100, freeSpaces: 40 }),
    heartbeat: (m = 0) => ({ type: 'heartbeat', eventId: `hb-${++seq}`, occurredAt: minutesAgo(m) }),
    async send(source: TestSource, events: unknown[]): Promise<void> {
      const res = await postEvents(env, source, events);
      if (res.statusCode !== 200 || res.json().accepted !== events.length) throw new Error(`ingest: ${res.statusCode} ${res.body}`);
    },
    advance: (minutes: number) => env.clock.advance(minutes * 60_000),
    evaluate: () => evaluateMonitoring(env.ctx),
    call: (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, as = token()) =>
      env.app.inject({ method, url, headers: bearer(as), ...(payload === undefined ? {} : { payload: payload as object }) }),
    async get<T = any>(url: string, as = token()): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
      const res = await env.app.inject({ method: 'GET', url, headers: bearer(as) });
      if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
      return res.json() as T;
    },
  };
}
