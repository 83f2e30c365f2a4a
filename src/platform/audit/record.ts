import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../auth/permissions.js';
import { canonicalJson } from '../canonical-json.js';
import type { Clock } from '../clock.js';
import type { AnyDb } from '../db.js';

export interface AuditEntry {
  action: string; // e.g. 'lot.update', 'auth.login', 'session.read_pii'
  targetType?: string;
  targetId?: string | number;
  outcome?: 'ok' | 'denied' | 'failed';
  /** before/after for updates, reasons for failures; never secrets or passwords. */
  detail?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);
const CHAIN_LOCK = 7_140_002;

interface HashedFields {
  at: Date;
  actor: string;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  outcome: string;
  detail: unknown;
}

function rowHash(prevHash: string, f: HashedFields): string {
  const body = canonicalJson({
    at: f.at.toISOString(),
    actor: f.actor,
    actor_role: f.actor_role,
    action: f.action,
    target_type: f.target_type,
    target_id: f.target_id,
    ip: f.ip,
    outcome: f.outcome,
    detail: f.detail,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/**
 * Appends to the hash-chained audit log. Call it with the transaction that makes the change,
 * so that the change and its record commit together; outside a transaction it opens one.
 */
export async function recordAudit(db: AnyDb, clock: Clock, actor: Actor, entry: AuditEntry): Promise<void> {
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => recordAudit(trx, clock, actor, entry));
    return;
  }
  // The chain is a total order: writers take turns until their transaction ends.
  await sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(db);
  const last = await db.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const prevHash = last?.hash ?? GENESIS;
  const fields: HashedFields = {
    at: clock.now(),
    actor: actor.username,
    actor_role: actor.role,
    action: entry.action,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId === undefined ? null : String(entry.targetId),
    ip: actor.ip,
    outcome: entry.outcome ?? 'ok',
    detail: entry.detail === undefined ? null : JSON.parse(canonicalJson(entry.detail)),
  };
  await db
    .insertInto('audit_log')
    .values({
      ...fields,
      detail: fields.detail === null ? null : canonicalJson(fields.detail),
      prev_hash: prevHash,
      hash: rowHash(prevHash, fields),
    })
    .execute();
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  firstBroken: { id: number; reason: string } | null;
}

/** Walks the chain in id order and reports the first row whose link or content does not match. */
export async function verifyAuditChain(db: AnyDb, batchSize = 5000): Promise<ChainReport> {
  let prevHash = GENESIS;
  let afterId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('id', '>', afterId).orderBy('id').limit(batchSize).execute();
    for (const row of rows) {
      if (row.prev_hash !== prevHash) {
        return { ok: false, checked, firstBroken: { id: row.id, reason: 'prev_hash does not match the previous row (row removed or inserted)' } };
      }
      const expected = rowHash(prevHash, row);
      if (row.hash !== expected) {
        return { ok: false, checked, firstBroken: { id: row.id, reason: 'content does not match its hash (row edited)' } };
      }
      prevHash = row.hash;
      checked++;
    }
    if (rows.length < batchSize) return { ok: true, checked, firstBroken: null };
    afterId = rows[rows.length - 1]!.id;
  }
}
