import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.js';
import { maskPlate } from '../../platform/plates.js';
import { districtScope } from '../../platform/scope.js';
import { owedSessionsOf } from './ledger.js';
import { lockPlate, type ArrearsContext } from './repo.js';
import { writeoffDecision } from './rules.js';

/*
 * 核销 (write-off) with approval (docs/用户手册.md 第 24 章): a user asks to write off some of
 * one plate's outstanding sessions with a reason; another user approves (the sessions are
 * settled as written off and leave the ledger) or rejects it. The requester never decides their
 * own request (service and database check). Every step is audited.
 */

export interface WriteoffView {
  id: number;
  plateMasked: string;
  sessionIds: number[];
  amountFen: number;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

async function load(ctx: ArrearsContext, id: number): Promise<WriteoffView & { plate: string }> {
  const w = await ctx.db.selectFrom('arrears_writeoffs').selectAll().where('id', '=', String(id)).executeTakeFirst();
  if (!w) throw notFound(`核销申请 ${id}`);
  return {
    id: Number(w.id), plate: w.plate, plateMasked: maskPlate(w.plate), sessionIds: (typeof w.session_ids === 'string' ? JSON.parse(w.session_ids) : w.session_ids) as number[],
    amountFen: Number(w.amount_fen), reason: w.reason, status: w.status, requestedBy: w.requested_by, requestedAt: w.requested_at.toISOString(),
    decidedBy: w.decided_by, decidedAt: w.decided_at?.toISOString() ?? null, decisionNote: w.decision_note,
  };
}
const view = ({ plate: _plate, ...v }: WriteoffView & { plate: string }): WriteoffView => v;

/** Asks to write off sessions of one plate (the ledger row's key names the plate). */
export async function requestWriteoff(ctx: ArrearsContext, actor: Actor, input: { key: number; sessionIds: number[]; reason: string }): Promise<WriteoffView> {
  const reason = input.reason.trim();
  if (reason.length < 2) throw badRequest('INVALID_VALUE', '请填写核销原因（至少 2 个字）/ give a reason (2 characters or more)', [{ field: 'reason' }]);
  const scope = districtScope(actor);
  const keyRow = await ctx.db.selectFrom('parking_sessions').select('plate').where('id', '=', input.key).executeTakeFirst();
  if (!keyRow) throw notFound(`欠费记录 ${input.key}`);
  const owed = await owedSessionsOf(ctx, keyRow.plate, scope);
  const ids = [...new Set(input.sessionIds)];
  const chosen = owed.filter((s) => ids.includes(s.sessionId));
  if (chosen.length !== ids.length) throw badRequest('NOT_OUTSTANDING', '所选流水不全是该车牌的未结欠费 / some sessions are not outstanding arrears of this plate', [{ field: 'sessionIds' }]);
  const amountFen = chosen.reduce((a, s) => a + s.owedFen, 0);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('arrears_writeoffs').values({
      plate: keyRow.plate, session_ids: JSON.stringify(ids), amount_fen: amountFen, reason, requested_by: actor.username, requested_at: ctx.clock.now(),
      decided_by: null, decided_at: null, decision_note: null,
    }).returning('id').executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'arrears.writeoff.request', targetType: 'arrears_writeoff', targetId: String(row.id), detail: { plate: maskPlate(keyRow.plate), sessionIds: ids, amountFen, reason } });
    return view(await load({ ...ctx, db: trx }, Number(row.id)));
  });
}

export async function listWriteoffs(ctx: ArrearsContext, q: { status?: 'pending' | 'approved' | 'rejected'; limit?: number }): Promise<WriteoffView[]> {
  const rows = await ctx.db.selectFrom('arrears_writeoffs').select('id').$if(q.status !== undefined, (b) => b.where('status', '=', q.status!))
    .orderBy('id', 'desc').limit(q.limit ?? 100).execute();
  return Promise.all(rows.map(async (r) => view(await load(ctx, Number(r.id)))));
}

/**
 * Approves or rejects a pending request; never by its requester (409 SAME_PERSON). Approval
 * settles what each session still owes as written off (a session reopened by a refund: the
 * reopened part); one paid meanwhile stays paid.
 */
export async function decideWriteoff(ctx: ArrearsContext, actor: Actor, id: number, input: { approve: boolean; note?: string }): Promise<WriteoffView> {
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('arrears_writeoffs').select(['id', 'status', 'requested_by']).where('id', '=', String(id)).forUpdate().executeTakeFirst();
    if (!locked) throw notFound(`核销申请 ${id}`);
    const verdict = writeoffDecision({ status: locked.status, requestedBy: locked.requested_by }, actor.username);
    if (!verdict.ok) {
      throw verdict.code === 'SAME_PERSON'
        ? new AppError(409, 'SAME_PERSON', '核销须由申请人以外的人审批 / a write-off is approved by someone other than who asked')
        : conflict('NOT_PENDING', `核销申请 ${id} 已处理 / request ${id} was already decided`);
    }
    const w = await load({ ...ctx, db: trx }, id);
    const now = ctx.clock.now();
    let settled = 0;
    if (input.approve) {
      await lockPlate(trx, w.plate);
      const owed = (await owedSessionsOf({ ...ctx, db: trx }, w.plate, null)).filter((s) => w.sessionIds.includes(s.sessionId));
      if (owed.length > 0) {
        const rows = await trx.insertInto('arrears_settlements').values(owed.map((s) => ({
          session_id: s.sessionId, plate: w.plate, fen: s.owedFen, kind: 'written_off' as const, bill_id: null, writeoff_id: String(id), settled_at: now, settled_by: actor.username,
        }))).returning('session_id').execute();
        settled = rows.length;
      }
    }
    const note = input.note?.trim().slice(0, 500) || null;
    await trx.updateTable('arrears_writeoffs').set({ status: input.approve ? 'approved' : 'rejected', decided_by: actor.username, decided_at: now, decision_note: note }).where('id', '=', String(id)).execute();
    await audit(ctx, trx, actor, {
      action: input.approve ? 'arrears.writeoff.approve' : 'arrears.writeoff.reject', targetType: 'arrears_writeoff', targetId: String(id),
      detail: { plate: w.plateMasked, amountFen: w.amountFen, requestedBy: w.requestedBy, settledSessions: settled, note },
    });
    return view(await load({ ...ctx, db: trx }, id));
  });
}
