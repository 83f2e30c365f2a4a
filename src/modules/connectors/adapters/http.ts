import { createHmac } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { isTimeout, outboundAllow, postOutbound, statusLine } from '../../../platform/outbound.js';
import { valueAt } from '../mapping.js';
import type { Cursor } from '../tables.js';
import { SourceError, type Adapter, type Page } from './types.js';

/*
 * HTTP JSON polling (docs/数据对接.md §2.1). Each request is
 * `GET url?<cursorParam>=<cursor>&<limitParam>=<n>`; the feed answers JSON with the records
 * (at `recordsPath`) after the cursor in its own order. The next cursor is the feed's
 * `nextCursorPath` when it gives one, else the last record's `cursorField`. Authentication: a
 * fixed header (its value sealed), or an HMAC-SHA256 signature
 * `hex(HMAC(key, timestamp + "\n" + "GET" + "\n" + path?query))` in X-Zhibo-Timestamp /
 * X-Zhibo-Signature. The address goes through the outbound guard like every configured target.
 */

export const HttpConfigSchema = Type.Object({
  url: Type.String({ minLength: 8, maxLength: 1000, pattern: '^https?://', description: 'http(s) 地址 / the feed address' }),
  auth: Type.Union([Type.Literal('none'), Type.Literal('header'), Type.Literal('hmac')]),
  headerName: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$', description: 'auth=header 时的请求头名，如 Authorization / the header carrying the token' })),
  cursorParam: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: '默认 after / default after' })),
  limitParam: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: '默认 limit / default limit' })),
  recordsPath: Type.Optional(Type.String({ maxLength: 200, description: '应答中记录数组的路径，默认 data；空串表示应答本身是数组 / where the records are in the answer' })),
  cursorField: Type.String({ minLength: 1, maxLength: 200, description: '记录中的游标字段（递增编号或时间） / the record field the cursor follows' }),
  nextCursorPath: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: '应答给出的下一页游标 / the next cursor as the feed gives it' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  ratePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: '每分钟最多请求数，默认 60 / requests a minute at most' })),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 120 })),
}, { additionalProperties: false });
export type HttpConfig = Static<typeof HttpConfigSchema>;

export const HttpSecretsSchema = Type.Object({
  headerValue: Type.Optional(Type.String({ maxLength: 2000 })),
  hmacKey: Type.Optional(Type.String({ maxLength: 256 })),
}, { additionalProperties: false });
export type HttpSecrets = Static<typeof HttpSecretsSchema>;

const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export function signFeedRequest(key: string, timestamp: string, pathAndQuery: string): string {
  return createHmac('sha256', key).update(`${timestamp}\nGET\n${pathAndQuery}`).digest('hex');
}

export function openHttpAdapter(config: HttpConfig, secrets: HttpSecrets, env: { allow: readonly string[]; now: () => Date }): Adapter {
  if (config.auth === 'header' && (!config.headerName || !secrets.headerValue)) throw new SourceError('auth=header 须给出 headerName 与 headerValue / header auth needs headerName and headerValue', 'CONFIG_INVALID');
  if (config.auth === 'hmac' && !secrets.hmacKey) throw new SourceError('auth=hmac 须给出 hmacKey / hmac auth needs hmacKey', 'CONFIG_INVALID');
  const allow = outboundAllow(env.allow);
  return {
    async fetch(cursor, limit): Promise<Page> {
      const url = new URL(config.url);
      if (cursor?.c != null) url.searchParams.set(config.cursorParam ?? 'after', String(cursor.c));
      url.searchParams.set(config.limitParam ?? 'limit', String(limit));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (config.auth === 'header') headers[config.headerName!.toLowerCase()] = secrets.headerValue!;
      if (config.auth === 'hmac') {
        const ts = String(Math.floor(env.now().getTime() / 1000));
        headers['x-zhibo-timestamp'] = ts;
        headers['x-zhibo-signature'] = signFeedRequest(secrets.hmacKey!, ts, `${url.pathname}${url.search}`);
      }
      let res;
      try {
        res = await postOutbound(url.toString(), { method: 'GET', allow, headers, body: '', timeoutMs: (config.timeoutSeconds ?? 30) * 1000, maxBodyBytes: MAX_ANSWER_BYTES });
      } catch (err) {
        if (isTimeout(err)) throw new SourceError('请求超时 / the feed did not answer in time');
        throw new SourceError(`请求失败 / request failed: ${(err as Error).message}`);
      }
      // The answer's status line only, never its body (docs/architecture.md, "Outbound requests").
      if (res.status < 200 || res.status > 299) throw new SourceError(`接口应答 / the feed answered ${statusLine(res)}`);
      let answer: unknown;
      try {
        answer = JSON.parse(res.body.toString('utf8'));
      } catch {
        throw new SourceError('应答不是 JSON / the answer is not JSON');
      }
      const path = config.recordsPath ?? 'data';
      const records = path === '' ? answer : valueAt(answer, path);
      if (!Array.isArray(records)) throw new SourceError(`应答中 ${path || '(根)'} 不是数组 / no record array at ${path || 'the root'}`);
      const given = config.nextCursorPath ? valueAt(answer, config.nextCursorPath) : undefined;
      const last = records.at(-1) as unknown;
      const fromRecord = last === undefined ? undefined : valueAt(last, config.cursorField);
      const nextValue = given ?? fromRecord;
      if (records.length > 0 && (nextValue === undefined || nextValue === null || nextValue === '')) throw new SourceError(`最后一条记录没有游标字段 ${config.cursorField} / the last record has no cursor`);
      const next: Cursor | null = records.length === 0 ? cursor : { c: typeof nextValue === 'number' ? nextValue : String(nextValue) };
      if (records.length > 0 && cursor?.c != null && next?.c === cursor.c) throw new SourceError('游标没有前进（整页同一游标值？）/ the cursor did not move: a full page of one cursor value?');
      return { records, next, more: records.length >= limit };
    },
    close: async () => undefined,
  };
}
