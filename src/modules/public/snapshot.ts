import { publicLots, type PublicDb, type PublicLotRow } from './repo.js';

/*
 * One in-memory snapshot of the public lots with their newest status, shared by the nearby
 * queries of a node for ZHIBO_PUBLIC_CACHE_SECONDS (default 5; docs/公众服务接口.md, “缓存”).
 * Availability is still judged against the clock at each request, so a snapshot can make a
 * number at most that many seconds older — never call an hours-old report live. A staff change
 * of a lot's public settings on this node drops the snapshot at once; other nodes see it within
 * the TTL. With 0 each query reads the lots in its box from the database instead. npm run
 * bench:public measures both (docs/performance.md).
 *
 * Each snapshot also holds the serialised answers computed from it (`answers`, keyed by the
 * caller), so they live no longer than the snapshot and go when it is dropped; the caller says
 * how long within that an answer stays true (service.ts, nearbyAnswer).
 */

export interface PublicLotSnapshot {
  rows: Promise<PublicLotRow[]>;
  /** Answers derived from these rows, at most MAX_ANSWERS of them. */
  answers: Map<string, unknown>;
}

interface Entry extends PublicLotSnapshot {
  takenAt: number;
}

/** Distinct queries whose answers one snapshot keeps; past that it starts a new set. */
export const MAX_ANSWERS = 1024;

const snapshots = new WeakMap<object, Entry>();

/** The snapshot of all public lots, reused while it is younger than `ttlSeconds`. */
export function publicLotSnapshot(db: PublicDb, defaultThreshold: number, ttlSeconds: number, read: PublicDb = db): PublicLotSnapshot {
  const now = performance.now();
  const entry = snapshots.get(db);
  if (entry && now - entry.takenAt < ttlSeconds * 1000) return entry;
  // One read in flight per node: concurrent requests share it; a failed read is not kept.
  // Read through `read` (the replica when there is one, docs/decisions/0031-read-replica.md), kept under `db`.
  const rows = publicLots(read, defaultThreshold, {});
  const fresh: Entry = { takenAt: now, rows, answers: new Map() };
  snapshots.set(db, fresh);
  rows.catch(() => {
    if (snapshots.get(db) === fresh) snapshots.delete(db);
  });
  return fresh;
}

/** Keeps an answer in the snapshot (a full set is emptied first, so one snapshot never holds more than MAX_ANSWERS). */
export function keepAnswer(snapshot: PublicLotSnapshot, key: string, answer: unknown): void {
  if (snapshot.answers.size >= MAX_ANSWERS) snapshot.answers.clear();
  snapshot.answers.set(key, answer);
}

export function forgetPublicLotSnapshot(db: PublicDb): void {
  snapshots.delete(db);
}
