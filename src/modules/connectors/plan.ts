import type { Cursor } from './tables.js';
import type { ConnectorKind } from './vocab.js';

/*
 * The connectors' pure rules (docs/数据对接.md §4), with the clock passed in: when a connector
 * is due, how long it waits after failures, how many pages one run may read, and where a
 * re-read ends.
 */

/** The longest wait after failures. */
export const MAX_BACKOFF_MS = 3600_000;
/** Pages one run reads at most from a database or a folder (an HTTP feed: its rate limit). */
export const PAGES_PER_RUN = 50;

/** The wait before the next pull: the interval when all is well, doubling with each failure in a row up to an hour. */
export function nextPullDelayMs(intervalSeconds: number, consecutiveErrors: number): number {
  const base = intervalSeconds * 1000;
  if (consecutiveErrors <= 0) return base;
  return Math.min(base * 2 ** Math.min(consecutiveErrors, 20), Math.max(MAX_BACKOFF_MS, base));
}

export function isDue(nextPullAt: Date | null, now: Date): boolean {
  return nextPullAt === null || nextPullAt.getTime() <= now.getTime();
}

/** Requests one run may make: an HTTP feed's rate limit over the interval, at least one. */
export function pagesPerRun(kind: ConnectorKind, intervalSeconds: number, ratePerMinute: number | undefined): number {
  if (kind !== 'http') return PAGES_PER_RUN;
  return Math.max(1, Math.min(PAGES_PER_RUN, Math.floor(((ratePerMinute ?? 60) * intervalSeconds) / 60)));
}

const numeric = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : null);

function compare(a: unknown, b: unknown): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null && nb !== null) return na - nb;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

/** Whether a re-read standing at `position` has come back to `until` (where the live cursor stood). */
export function cursorReached(position: Cursor | null, until: Cursor | null): boolean {
  if (until === null) return true;
  if (position === null) return false;
  if ('t' in until) {
    const c = compare(position.t, until.t);
    return c > 0 || (c === 0 && compare(position.id, until.id) >= 0);
  }
  if ('id' in until) return compare(position.id, until.id) >= 0;
  if ('c' in until) return compare(position.c, until.c) >= 0;
  return false;
}

/** Share of a re-read done, when the cursors are numbers (ids); null otherwise. */
export function rereadProgress(from: Cursor | null, position: Cursor | null, until: Cursor | null): number | null {
  const key = until && 'id' in until && !('t' in until) ? 'id' : until && 'c' in until ? 'c' : null;
  if (!key) return null;
  const f = from ? numeric(from[key]) : 0;
  const p = position ? numeric(position[key]) : f;
  const u = numeric(until![key]);
  if (f === null || p === null || u === null || u <= f) return null;
  return Math.max(0, Math.min(1, (p - f) / (u - f)));
}

/** Seconds between now and the newest record's business time (how far behind the source the data is). */
export function lagSeconds(now: Date, lastRecordAt: Date | null): number | null {
  return lastRecordAt ? Math.max(0, Math.round((now.getTime() - lastRecordAt.getTime()) / 1000)) : null;
}

/** An error text with every secret value blanked out (errors are shown and logged). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out.slice(0, 500);
}
