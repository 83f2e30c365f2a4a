import { sql } from 'kysely';
import type { AnyDb } from '../../platform/db.js';
import type { GateFact } from './pairing.js';

/*
 * Listeners to the gate (docs/architecture.md, "Sessions"): a module above sessions (shared
 * parking) learns of every entry and exit ingest applies, in the same transaction, after the
 * batch is paired — its session rows are written and visible to the listener. Pairing itself
 * does not depend on any listener: each runs inside a savepoint, and one that fails is rolled
 * back to it and logged, so the batch (and the gate data) still commits.
 */
export type GateListener = (db: AnyDb, facts: readonly GateFact[], now: Date) => Promise<void>;

const listeners = new Map<string, GateListener>();
let onListenerError: (name: string, err: unknown) => void = () => {};

/** Registers (or replaces) the listener of that name; the app root does this once per process. */
export function onGateFacts(name: string, listener: GateListener, onError?: (name: string, err: unknown) => void): void {
  listeners.set(name, listener);
  if (onError) onListenerError = onError;
}

/** Runs every listener over a paired batch, each in a savepoint of the caller's transaction. */
export async function runGateListeners(db: AnyDb, facts: readonly GateFact[], now: Date): Promise<void> {
  if (facts.length === 0) return;
  for (const [name, listener] of listeners) {
    if (!db.isTransaction) {
      // Outside a transaction there is nothing to roll back to: the listener's writes are its own.
      await listener(db, facts, now).catch((err: unknown) => onListenerError(name, err));
      continue;
    }
    await sql`savepoint gate_listener`.execute(db);
    try {
      await listener(db, facts, now);
      await sql`release savepoint gate_listener`.execute(db);
    } catch (err) {
      await sql`rollback to savepoint gate_listener`.execute(db);
      onListenerError(name, err);
    }
  }
}
