import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Request signing of the ingest API (docs/接入规范.md §4), shared by the server, the simulator and tests:
 * X-Zhibo-Signature = hex HMAC-SHA256(secret, timestamp + "\n" + raw body).
 */

export const SIGNATURE_HEADERS = {
  source: 'x-zhibo-source',
  timestamp: 'x-zhibo-timestamp',
  signature: 'x-zhibo-signature',
} as const;

/** The body is the request's bytes: text (UTF-8) for the event push, the image itself for the photo upload. */
export function signBody(secret: string, timestamp: number | string, rawBody: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}\n`).update(rawBody).digest('hex');
}

export function signatureMatches(secret: string, timestamp: string, rawBody: string | Uint8Array, signature: string): boolean {
  const expected = Buffer.from(signBody(secret, timestamp, rawBody), 'hex');
  const given = /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Headers for a signed request from `source` at `now`. */
export function signedHeaders(source: string, secret: string, rawBody: string | Uint8Array, now: Date = new Date(), contentType = 'application/json'): Record<string, string> {
  const ts = String(Math.floor(now.getTime() / 1000));
  return {
    'content-type': contentType,
    'x-zhibo-source': source,
    'x-zhibo-timestamp': ts,
    'x-zhibo-signature': signBody(secret, ts, rawBody),
  };
}
