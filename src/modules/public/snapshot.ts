import { publicLots, type PublicDb, type PublicLotRow } from './repo.js';

/*
 * One in-memory snapshot of the public lots with their newest status, shared by the nearby
 * queries of a node for ZHIBO_PUBLIC_CACHE_SECONDS (default 5; docs/公众服务接口.md, “缓存”).
 * Availability is still judged against the clock at each request, so a snapshot can make a
 * number at most that many seconds older — never call an hours-old report live. A staff change
 * of a lot's public settings on this node drops the snapshot at once; other nodes see it within
 * the TTL. With 0 each query reads the lots in its box from the database instead. npm run
 * bench:public measures both (docs/performance.md).
 */

interface Entry {
  takenAt: number;
  rows: Promise<PublicLotRow[]>;
}

const snapshots = new WeakMap<object, Entry>();

/** All public lots, from the snapshot when it is younger than `ttlSeconds`. */
export function publicLotSnapshot(db: PublicDb, defaultThreshold: number, ttlSeconds: number): Promise<PublicLotRow[]> {
  const now = performance.now();
  const entry = snapshots.get(db);
  if (entry && now - entry.takenAt < ttlSeconds * 1000) return entry.rows;
  // One read in flight per node: concurrent requests share it; a failed read is not kept.
  const rows = publicLots(db, defaultThreshold, {});
  snapshots.set(db, { takenAt: now, rows });
  rows.catch(() => {
    if (snapshots.get(db)?.rows === rows) snapshots.delete(db);
  });
  return rows;
}

export function forgetPublicLotSnapshot(db: PublicDb): void {
  snapshots.delete(db);
}
