import type { AppContext } from '../../platform/context.js';
import { ingestContext } from './repo.js';
import { ingestBatch, previewBatch, type IngestOptions, type IngestOutcome } from './service.js';
import type { Rejection } from './validate.js';

/*
 * ingestBatch and its dry run for other modules (the connectors, docs/数据对接.md): the same
 * validation, quarantine and idempotency by event id as the signed push, on the plain context.
 */

export function ingestPulled(ctx: AppContext, sourceCode: string, events: readonly unknown[], opts: IngestOptions): Promise<IngestOutcome> {
  return ingestBatch(ingestContext(ctx), sourceCode, events, opts);
}

export function previewEvents(ctx: AppContext, sourceCode: string, events: readonly unknown[], refused?: ReadonlyMap<number, Rejection>): Promise<IngestOutcome> {
  return previewBatch(ingestContext(ctx), sourceCode, events, refused);
}
