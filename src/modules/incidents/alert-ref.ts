import type { Actor } from '../../platform/auth/permissions.js';
import { getAlert } from '../monitoring/index.js';
import type { IncidentsContext } from './repo.js';

/** What the ledger uses of a monitoring alert, through monitoring's own read (scoped: 404 across districts). */
export interface AlertRef {
  id: number;
  scope: 'lot' | 'source';
  state: string;
  openedAt: Date;
  /** Newest data when the alert opened: when the data stopped (null: the lot never reported). */
  lastOccurredAt: Date | null;
  thresholdMinutes: number;
  lateLots: number;
  sourceCode: string;
  sourceName: string | null;
  lotCode: string | null;
  lotName: string | null;
  districtCodes: string[];
  /** The lots concerned: the lot, or the source's lots that are late (all of them if none is now). */
  lots: string[];
}

export async function readAlertRef(ctx: IncidentsContext, actor: Actor, alertId: number): Promise<AlertRef> {
  const a = await getAlert(ctx, actor, alertId);
  const late = a.lots.filter((l) => l.state === 'late' || l.state === 'never').map((l) => l.lotCode);
  return {
    id: a.id,
    scope: a.scope,
    state: a.state,
    openedAt: new Date(a.openedAt),
    lastOccurredAt: a.lastOccurredAt ? new Date(a.lastOccurredAt) : null,
    thresholdMinutes: a.thresholdMinutes,
    lateLots: a.lateLots,
    sourceCode: a.sourceCode,
    sourceName: a.sourceName,
    lotCode: a.lotCode,
    lotName: a.lotName,
    districtCodes: a.districtCodes,
    lots: a.scope === 'lot' ? (a.lotCode ? [a.lotCode] : []) : late.length ? late : a.lots.map((l) => l.lotCode),
  };
}
