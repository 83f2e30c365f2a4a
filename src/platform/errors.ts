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

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);

/** The database is down or restarting: the client should retry shortly, nothing was stored. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return UNAVAILABLE_CODES.has(e?.code ?? '') || /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e?.message ?? '');
}

export const databaseUnavailable = () =>
  new AppError(503, 'DATABASE_UNAVAILABLE', '数据库暂时不可用，请稍后重试 / database unavailable, retry later', undefined, { 'retry-after': '5' });

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
