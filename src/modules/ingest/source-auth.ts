import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../../platform/errors.js';
import { SIGNATURE_HEADERS, signatureMatches } from '../../platform/signing.js';
import { sourceCredentials } from '../registry/index.js';
import type { AppContext } from '../../platform/context.js';
import { ingestContext, type IngestContext } from './repo.js';

export const REPLAY_WINDOW_S = 300;

const header = (h: IncomingHttpHeaders, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Checks the data source's signature over the raw body and the replay window; returns the
 * source code. Unsigned or wrongly signed requests are refused before their body is read.
 */
export async function authenticateSource(ctx: IngestContext, headers: IncomingHttpHeaders, rawBody: string | Uint8Array): Promise<string> {
  const code = header(headers, SIGNATURE_HEADERS.source);
  const timestamp = header(headers, SIGNATURE_HEADERS.timestamp);
  const signature = header(headers, SIGNATURE_HEADERS.signature);
  if (!code) throw new AppError(401, 'UNKNOWN_SOURCE', '缺少 X-Zhibo-Source / missing X-Zhibo-Source');
  if (!timestamp || !signature) throw new AppError(401, 'BAD_SIGNATURE', '缺少 X-Zhibo-Timestamp 或 X-Zhibo-Signature / missing signature headers');
  if (!/^\d{1,12}$/.test(timestamp)) throw new AppError(401, 'BAD_SIGNATURE', 'X-Zhibo-Timestamp 应为 Unix 秒 / must be unix seconds');
  const source = await sourceCredentials(ctx, code);
  if (!source) throw new AppError(401, 'UNKNOWN_SOURCE', `未知数据源 / unknown source ${code.slice(0, 64)}`);
  if (source.status !== 'active') throw new AppError(403, 'SOURCE_DISABLED', `数据源已停用 / source ${code} is disabled`);
  const skew = Math.abs(ctx.clock.now().getTime() / 1000 - Number(timestamp));
  if (skew > REPLAY_WINDOW_S) {
    throw new AppError(401, 'SIGNATURE_EXPIRED', `时间戳与服务器相差超过 ${REPLAY_WINDOW_S} 秒 / timestamp more than ${REPLAY_WINDOW_S} s from the server clock`);
  }
  if (!signatureMatches(source.secret, timestamp, rawBody, signature)) {
    throw new AppError(401, 'BAD_SIGNATURE', '签名错误 / signature does not match');
  }
  return code;
}

/**
 * For other modules' source-signed routes (through index.ts; e.g. 欠费追缴's entry-refusal list
 * a lot system reads with a signed GET over the empty body): the source code, or the same 401/403.
 */
export function authenticateSourceRequest(ctx: AppContext, headers: IncomingHttpHeaders, rawBody: string): Promise<string> {
  return authenticateSource(ingestContext(ctx), headers, rawBody);
}
