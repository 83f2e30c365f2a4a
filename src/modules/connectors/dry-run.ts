import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest } from '../../platform/errors.js';
import { previewEvents } from '../ingest/index.js';
import { SourceError } from './adapters/types.js';
import { checkMapping, type Mapping } from './mapping.js';
import { scrub } from './plan.js';
import type { ConnectorsContext } from './repo.js';
import { toItems } from './runner.js';
import { openAdapter, openConnector } from './service.js';
import type { Cursor } from './tables.js';

/*
 * The dry run (docs/数据对接.md §3.3): a sample of records — given, or read from the source after
 * the cursor without moving it — mapped, and each record's events judged by ingest's own checks
 * (what ingestBatch would answer), with nothing stored. For trying a mapping before saving it or
 * turning the connector on.
 */

export const DRY_RUN_MAX = 50;

export interface DryRunRow {
  index: number;
  record: unknown;
  events: Record<string, unknown>[];
  verdict: 'accepted' | 'duplicate' | 'rejected' | 'no_event';
  problems: { eventId: string | null; code: string; message: string }[];
}

export interface DryRunResult {
  rows: DryRunRow[];
  summary: { records: number; events: number; accepted: number; duplicates: number; rejected: number };
}

/** Maps and judges records under a source; writes nothing. */
export async function judgeRecords(ctx: ConnectorsContext, sourceCode: string, mapping: Mapping, records: readonly unknown[]): Promise<DryRunResult> {
  const problems = checkMapping(mapping);
  if (problems.length) throw badRequest('CONNECTOR_INVALID', `映射有误 / the mapping is not valid: ${problems.map((p) => `${p.at}: ${p.message}`).join('; ')}`, problems);
  const { items, refused, rowOf } = toItems(records, mapping);
  const outcome = items.length ? await previewEvents(ctx, sourceCode, items, refused) : { results: [] };
  const rows: DryRunRow[] = records.map((record, index) => ({ index, record, events: [], verdict: 'no_event', problems: [] }));
  outcome.results.forEach((r, i) => {
    const row = rows[rowOf[i]!]!;
    if (!refused.has(i)) row.events.push(items[i] as Record<string, unknown>);
    if (r.status === 'rejected') row.problems.push({ eventId: r.eventId, code: r.code ?? 'REJECTED', message: r.message ?? '' });
    // A record is as good as its worst event.
    const rank = { no_event: 0, accepted: 1, duplicate: 2, rejected: 3 } as const;
    if (rank[r.status] > rank[row.verdict]) row.verdict = r.status;
  });
  const count = (s: string) => outcome.results.filter((r) => r.status === s).length;
  return { rows, summary: { records: records.length, events: outcome.results.length - refused.size, accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected') } };
}

/** The dry run of a saved connector: its mapping or one being edited; the records given or the next ones at the source. */
export async function dryRunConnector(ctx: ConnectorsContext, actor: Actor, code: string, input: { mapping?: Mapping; records?: unknown[]; cursor?: Cursor | null; limit?: number }): Promise<DryRunResult> {
  const c = await openConnector(ctx, code);
  const mapping = input.mapping ?? c.mapping;
  let records = input.records;
  if (!records) {
    const from = input.cursor !== undefined ? input.cursor : c.cursor;
    const adapter = await openAdapter(ctx, c.kind, c.config, c.secrets, true).catch((err: unknown) => {
      throw err instanceof SourceError ? badRequest('SOURCE_UNREADABLE', scrub(err.message, Object.values(c.secrets))) : err;
    });
    try {
      const page = await adapter.fetch(from?.done ? null : from, Math.min(input.limit ?? 20, DRY_RUN_MAX));
      records = page.records;
    } catch (err) {
      if (err instanceof SourceError) throw badRequest('SOURCE_UNREADABLE', scrub(err.message, Object.values(c.secrets)));
      throw err;
    } finally {
      await adapter.close();
    }
  }
  const result = await judgeRecords(ctx, c.sourceCode, mapping, records.slice(0, DRY_RUN_MAX));
  await audit(ctx, ctx.db, actor, { action: 'connector.dry_run', targetType: 'connector', targetId: code, detail: { records: result.summary.records, sample: input.records ? 'given' : 'source' } });
  return result;
}
