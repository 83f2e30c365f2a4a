import { randomBytes } from 'node:crypto';
import { signBody } from '../../src/platform/signing.js';
import type { TestEnv } from './backends.js';
import { bearer } from './http.js';

/* Helpers of the work-order tests (src/modules/tickets). */

export const TICKET = { channel: 'phone', category: 'fee_dispute', title: '停车费多收', description: '市民反映出场时多收 5 元' } as const;

export async function newTicket(env: TestEnv, token: string, body: Record<string, unknown> = {}) {
  const res = await env.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: bearer(token), payload: { ...TICKET, ...body } });
  if (res.statusCode !== 201) throw new Error(`create ticket: ${res.statusCode} ${res.body}`);
  return res.json() as { id: number; no: string; state: string; responseDueAt: string | null; resolveDueAt: string | null; [k: string]: unknown };
}

export function move(env: TestEnv, token: string, id: number, body: Record<string, unknown>) {
  return env.app.inject({ method: 'POST', url: `/api/v1/tickets/${id}/transitions`, headers: bearer(token), payload: body });
}

/** Moves a ticket through `steps` (each `{ to, ... }`), failing loudly on any refusal. */
export async function walk(env: TestEnv, token: string, id: number, steps: Record<string, unknown>[]) {
  let last: Record<string, unknown> = {};
  for (const step of steps) {
    const res = await move(env, token, id, step);
    if (res.statusCode !== 200) throw new Error(`transition to ${String(step.to)}: ${res.statusCode} ${res.body}`);
    last = res.json();
  }
  return last;
}

export function multipart(fileName: string, content: Buffer, contentType = 'application/octet-stream') {
  const boundary = `----zhibo${randomBytes(8).toString('hex')}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export interface TestClient {
  code: string;
  secret: string;
}

export async function createChannelClient(env: TestEnv, token: string, body: { code: string; channel: string; callbackUrl?: string | null }): Promise<TestClient> {
  const res = await env.app.inject({ method: 'POST', url: '/api/v1/tickets/channel-clients', headers: bearer(token), payload: { name: `接入方 ${body.code}`, ...body } });
  if (res.statusCode !== 201) throw new Error(`create client: ${res.statusCode} ${res.body}`);
  return { code: body.code, secret: res.json().secret as string };
}

/** A signed inbound request at the test clock's time; `raw` overrides the body text. */
export function inbound(env: TestEnv, client: TestClient, body: unknown, opts: { raw?: string; at?: Date; secret?: string; path?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(body);
  const ts = String(Math.floor((opts.at ?? env.clock.now()).getTime() / 1000));
  return env.app.inject({
    method: 'POST',
    url: opts.path ?? '/api/v1/public/tickets/inbound',
    headers: {
      'content-type': 'application/json',
      'x-zhibo-client': client.code,
      'x-zhibo-timestamp': ts,
      'x-zhibo-signature': signBody(opts.secret ?? client.secret, ts, raw),
    },
    payload: raw,
  });
}
