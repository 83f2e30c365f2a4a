/** An error a client caused or may see: rendered as `{ error: { code, message } }` with `status`. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, details);
export const unauthorized = (message = '未登录或登录已过期 / not signed in') => new AppError(401, 'UNAUTHENTICATED', message);
export const forbidden = (message = '无权限 / not permitted') => new AppError(403, 'FORBIDDEN', message);
export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} 不存在 / not found`);
export const conflict = (code: string, message: string) => new AppError(409, code, message);

/** Seconds a client waits before it sends the same request again while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/*
 * The database is down, restarting, failing over, full, or closed to connections: the
 * request is to be taken as not committed (when the connection broke right after a commit it
 * was, and the resent request finds its rows as duplicates), and the same request will work
 * once the database is back.
 * SQLSTATE class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot
 * connect now), 53300 (too many connections), 55000 for a database that does not accept
 * connections (ALTER DATABASE … ALLOW_CONNECTIONS false); socket errors; and pg's and
 * pg-pool's own messages for a lost or unreachable connection.
 */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Postgres connection has been discarded/i;
const NOT_ACCEPTING_CONNECTIONS = /not currently accepting connections|connections not allowed/i;

/** The database is down or restarting: the client should send the same request again shortly. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (code === '55000' && NOT_ACCEPTING_CONNECTIONS.test(message)) return true;
  if (UNAVAILABLE_MESSAGE.test(message)) return true;
  // A wrapped cause, or the attempts of a connect to several addresses (AggregateError).
  if (depth >= 3) return false;
  if (e.cause !== undefined && isDatabaseUnavailable(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1));
}

export const databaseUnavailable = () =>
  new AppError(503, 'DATABASE_UNAVAILABLE', '数据库暂时不可用，请稍后重试 / database unavailable, retry later', undefined, { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });

/** Seconds a client waits before resending while the database's storage is full (an operator has to act). */
export const STORAGE_FULL_RETRY_AFTER_SECONDS = 60;

/**
 * The database's disk is full: SQLSTATE 53100 (disk_full: "could not extend file … No space left
 * on device", on PostgreSQL and on PGlite's data directory alike) or ENOSPC. The statement was rolled
 * back whole; reads still work and the same request works once space is back (issue 22 §6).
 */
export function isStorageFull(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; cause?: unknown };
  if (e.code === '53100' || e.code === 'ENOSPC') return true;
  return depth < 3 && e.cause !== undefined && isStorageFull(e.cause, depth + 1);
}

export const storageFull = () =>
  new AppError(503, 'STORAGE_FULL', '数据库存储空间已满，请稍后重试（已通知运维） / database storage is full, retry later', undefined, { 'retry-after': String(STORAGE_FULL_RETRY_AFTER_SECONDS) });

/** Maps PostgreSQL constraint violations that bad input can cause to 4xx errors. */
export function fromDatabaseError(err: unknown): AppError | null {
  const e = err as { code?: string; constraint?: string; detail?: string; message?: string };
  switch (e?.code) {
    case '23505':
      return conflict('DUPLICATE', `已存在 / already exists${e.constraint ? ` (${e.constraint})` : ''}`);
    case '23503':
      return badRequest('REFERENCE_NOT_FOUND', `引用的对象不存在 / referenced row does not exist${e.constraint ? ` (${e.constraint})` : ''}`);
    case '23514':
      return badRequest('CONSTRAINT_VIOLATION', `取值不合规 / value violates a rule${e.constraint ? ` (${e.constraint})` : ''}`);
    case '22P02':
    case '22021':
    case '22P05':
    case '22003':
    case '22007':
    case '22008':
      return badRequest('INVALID_VALUE', '取值格式错误 / invalid value');
    default:
      return null;
  }
}
