import type { Actor } from '../../platform/auth/permissions.js';
import type { TimelineKind } from './vocab.js';
import type { IncidentsContext, IncidentsDb } from './repo.js';

export interface TimelineEntry {
  kind: TimelineKind;
  text: string;
  /** When it happened (default now); recorded_at is always now. */
  at?: Date;
  fromState?: string | null;
  toState?: string | null;
  detail?: Record<string, unknown> | null;
}

/** Appends to the handling process; every change of an incident writes one entry. */
export async function appendTimeline(ctx: IncidentsContext, trx: IncidentsDb, actor: Actor, incidentId: number, entry: TimelineEntry): Promise<void> {
  const now = ctx.clock.now();
  await trx.insertInto('incident_timeline').values({
    incident_id: incidentId,
    at: entry.at ?? now,
    recorded_at: now,
    actor: actor.username,
    kind: entry.kind,
    from_state: entry.fromState ?? null,
    to_state: entry.toState ?? null,
    text: entry.text.slice(0, 4000),
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
  }).execute();
}
