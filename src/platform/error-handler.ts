import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, databaseUnavailable, fromDatabaseError, isDatabaseUnavailable, isStorageFull, storageFull } from './errors.js';

/** Every error leaves as `{ error: { code, message } }`; only our own bugs become a 500. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const known = toAppError(err);
  if (known) {
    // The database being away is an operating condition (warn, once per request), not our bug.
    if (known.code === 'DATABASE_UNAVAILABLE') req.log.warn({ code: (err as { code?: string }).code, reason: err.message }, known.message);
    else if (known.code === 'STORAGE_FULL') req.log.error({ code: (err as { code?: string }).code, reason: err.message }, known.message);
    else if (known.status >= 500) req.log.error({ err }, known.message);
    if (known.headers) void reply.headers(known.headers);
    return reply.code(known.status).send({ error: { code: known.code, message: known.message, ...(known.details === undefined ? {} : { details: known.details }) } });
  }
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ error: { code: 'INTERNAL', message: '服务器内部错误 / internal error' } });
}

/** The client error (or database outage) an error stands for; null for our own bugs. */
export function toAppError(err: FastifyError | Error): AppError | null {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    return new AppError(400, 'VALIDATION_FAILED', `请求参数不合法 / invalid request: ${fe.message}`, fe.validation.map((v) => ({ path: v.instancePath, message: v.message })));
  }
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  if (isStorageFull(err)) return storageFull();
  const db = fromDatabaseError(err);
  if (db) return db;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'INVALID_JSON', `请求体不是合法 JSON / body is not valid JSON`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
      return new AppError(413, 'PAYLOAD_TOO_LARGE', '请求体过大 / request body too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `不支持的内容类型 / unsupported content type`);
    case 'FST_ERR_BAD_URL':
      return new AppError(400, 'BAD_URL', '请求地址不合法 / malformed URL');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError(414, 'URI_TOO_LONG', '路径参数过长 / path parameter too long');
    case 'FST_ERR_NOT_FOUND':
      return new AppError(404, 'NOT_FOUND', '不存在 / not found');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode, (fe.code ?? 'BAD_REQUEST').replace(/^FST_(ERR_)?/, ''), fe.message);
  }
  return null;
}
