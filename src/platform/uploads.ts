import type { MultipartFile } from '@fastify/multipart';
import { AppError } from './errors.js';

/** The app's multipart file limit (src/app.ts); routes may ask for a smaller or larger one. */
export const UPLOAD_LIMIT_BYTES = 20 * 1024 * 1024;

/**
 * The OpenAPI body of a route that takes one uploaded file (field `file`), read by the handler
 * with req.file(). Fastify validates the (absent, so null) parsed body against it, hence
 * `nullable`. `description` says what file the route takes.
 */
export function fileUploadBody(description: string) {
  return {
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          nullable: true,
          required: ['file'],
          properties: { file: { description, type: 'string', format: 'binary' } },
        },
      },
    },
  };
}

export const fileTooLarge = (limitBytes: number) => {
  const mb = Math.round((limitBytes / 1024 / 1024) * 10) / 10;
  return new AppError(413, 'FILE_TOO_LARGE', `文件超过 ${mb} MB / the file is larger than ${mb} MB`);
};

/**
 * The whole uploaded file, or 413 FILE_TOO_LARGE when it went past `limitBytes` (the limit the
 * file was read with). Past its limit busboy only truncates the stream and sets `truncated`;
 * @fastify/multipart's `toBuffer` misses that when the limit falls on a chunk boundary and then
 * returns the first `limitBytes` as if they were the file — which must never be stored.
 */
export async function uploadedBytes(file: MultipartFile, limitBytes: number): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await file.toBuffer();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE') throw fileTooLarge(limitBytes);
    throw err;
  }
  if (file.file.truncated || data.length > limitBytes) throw fileTooLarge(limitBytes);
  return data;
}
