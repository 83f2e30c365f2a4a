import type { FastifyReply, FastifyRequest } from 'fastify';
import { contentDisposition } from '../../platform/http/download.js';
import { issuesError, type FieldIssue } from './lot-input.js';

/*
 * Registry routes run with `attachValidation`: when the JSON schema refuses a body we first ask
 * the module's own checks what exactly is wrong, so a client gets INVALID_KIND or
 * INVALID_COORDINATES rather than a generic VALIDATION_FAILED. Anything they do not recognise
 * still fails with the schema's error.
 */
export function refuseInvalid(req: FastifyRequest, specific: (body: Record<string, unknown>) => FieldIssue[]): void {
  const err = req.validationError;
  if (!err) return;
  if (err.validationContext === 'body') {
    const body = typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const issues = specific(body);
    if (issues.length) throw issuesError(issues);
  }
  throw err;
}

/** Sends a generated file as a download; the name may be Chinese (RFC 6266 filename*). */
export function sendFile(reply: FastifyReply, body: Buffer, contentType: string, fileName: string, asciiName: string) {
  return reply
    .header('content-type', contentType)
    .header('content-disposition', contentDisposition(fileName, asciiName))
    .send(body);
}
