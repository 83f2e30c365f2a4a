import { Type } from 'typebox';
import type { App } from '../../platform/http.js';
import { errorResponses } from '../../platform/http.js';
import { PHOTO_MAX_BYTES } from '../../platform/photo-store.js';
import { SIGNATURE_HEADERS } from '../../platform/signing.js';
import { storeUploadedPhoto, UPLOAD_TYPES } from './photos.js';
import { authenticateSource } from './source-auth.js';
import type { IngestContext } from './repo.js';

const PhotoReply = Type.Object({
  ref: Type.String({ description: '事件的 photoUrl 填此值 / what events carry as photoUrl: photo:<sha256>' }),
  sha256: Type.String(),
  contentType: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/png')]),
  bytes: Type.Integer(),
});

/**
 * The signed snapshot upload (docs/接入规范.md §6.7) for lot systems that cannot host their images:
 * the body is the image itself, signed like the event push over its raw bytes.
 */
export function photoUploadRoute(ctx: IngestContext) {
  return async (app: App) => {
    // Only image bodies here (JSON and the rest: 415 before the handler).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser([...UPLOAD_TYPES], { parseAs: 'buffer', bodyLimit: PHOTO_MAX_BYTES }, (_req, body, done) => done(null, body));

    app.post('/api/v1/ingest/photos', {
      config: { public: true },
      bodyLimit: PHOTO_MAX_BYTES,
      // The body is the image; it is checked by hand after the signature.
      validatorCompiler: () => () => true,
      schema: {
        operationId: 'ingestUploadPhoto',
        tags: ['ingest'],
        summary: '上传出入场抓拍（签名） / upload an entry or exit snapshot (signed by the data source)',
        description: `请求体为图片本身（JPEG 或 PNG，至多 ${PHOTO_MAX_BYTES / 1024 / 1024} MB），签名同事件推送：X-Zhibo-Signature = hex HMAC-SHA256(secret, X-Zhibo-Timestamp + "\\n" + 原始字节)。`
          + '返回 photo:<sha256>，事件以 photoUrl 携带。超限 413 PAYLOAD_TOO_LARGE，非 JPEG/PNG 415 PHOTO_NOT_IMAGE。'
          + ' / The body is the image (JPEG or PNG, at most 2 MB), signed like the event push over its raw bytes; answers photo:<sha256> for events to carry as photoUrl. See docs/接入规范.md §6.7.',
        security: [],
        headers: Type.Object({
          [SIGNATURE_HEADERS.source]: Type.String({ description: '数据源编码 / data source code' }),
          [SIGNATURE_HEADERS.timestamp]: Type.String({ description: 'unix seconds, within 300 s of the server clock' }),
          [SIGNATURE_HEADERS.signature]: Type.String({ description: 'hex HMAC-SHA256 over timestamp + "\\n" + the image bytes' }),
        }),
        body: {
          content: Object.fromEntries(UPLOAD_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
        },
        response: { 201: PhotoReply, ...errorResponses(401, 403, 413, 415, 503) },
      },
    }, async (req, reply) => {
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const source = await authenticateSource(ctx, req.headers, bytes);
      const stored = await storeUploadedPhoto(ctx, source, bytes, req.headers['content-type']);
      return reply.code(201).send(stored);
    });
  };
}
