import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { ingestBatch, type IngestOutcome } from './service.js';
import type { IngestContext } from './repo.js';

/*
 * Recorded history written in bulk through the batch path (ingestBatch via 'import'), each batch
 * with the time its source handed it over. The simulator's backfill uses it in-process: the
 * same validation, pairing and quarantine as the API, without HTTP and signing per batch, and
 * each event received when its lot system handed it over — so the history looks to monitoring
 * as it would have live, simulated late uploads late and the rest on time.
 */

/** `handedOverAt[i]`: when event i left its lot system (epoch ms). */
export type HistorySink = (sourceCode: string, events: readonly unknown[], handedOverAt: readonly number[]) => Promise<IngestOutcome>;

export interface HistoryTotals {
  batches: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface RecordedHistory {
  sink: HistorySink;
  totals: HistoryTotals;
  /** One audit row for the whole run (what was written, by whom). */
  finish(detail?: Record<string, unknown>): Promise<void>;
}

export function recordedHistory(ctx: IngestContext, actor: Actor): RecordedHistory {
  const totals: HistoryTotals = { batches: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const sources = new Set<string>();
  return {
    totals,
    sink: async (sourceCode, events, handedOverAt) => {
      const outcome = await ingestBatch(ctx, sourceCode, events, { via: 'import', receivedAt: (i) => new Date(handedOverAt[i] ?? ctx.clock.now().getTime()) });
      sources.add(sourceCode);
      totals.batches++;
      totals.accepted += outcome.accepted;
      totals.duplicates += outcome.duplicates;
      totals.rejected += outcome.rejected;
      return outcome;
    },
    finish: (detail = {}) =>
      audit(ctx, ctx.db, actor, {
        action: 'ingest.history',
        targetType: 'source',
        ...(sources.size ? { targetId: [...sources].sort().join(',').slice(0, 200) } : {}),
        detail: { ...totals, sources: sources.size, ...detail },
      }),
  };
}
