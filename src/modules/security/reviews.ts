import { sql, type Selectable } from 'kysely';
import { ROLE_PERMISSIONS, type Actor, type Role } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.js';
import { notify } from '../../platform/notices.js';
import { shanghaiDay } from '../../platform/time.js';
import { updateUser } from '../accounts/index.js';
import { securityContext, type SecurityContext, type SecurityDb } from './repo.js';
import { bulkCreated, PERMISSION_NAMES, sharedNamePatterns, unusedPermissions, USAGE_WINDOW_DAYS, usageWindowStart } from './review-rules.js';
import { reviewDocx } from './review-docx.js';
import type { ReviewDecision, SecurityReviewItemsTable } from './tables.js';

/*
 * The quarterly permission review (权限审查, docs/security-operations.md "Permission review"). A
 * campaign per Shanghai quarter lists every account as it stood when it opened, with findings;
 * each account gets a decision, applied at once through the accounts module (PATCH users rules:
 * the last admin is kept) and audited; sign-off by an admin or a bureau user freezes it.
 */

export const FINDINGS = ['never_logged_in', 'inactive_90d', 'admin', 'pii', 'district_without_district', 'disabled', 'bulk_created', 'shared_name_pattern', 'unused_permissions'] as const;
export type Finding = (typeof FINDINGS)[number];
export const DECISIONS: readonly ReviewDecision[] = ['keep', 'change_role', 'restrict_district', 'disable'];
const INACTIVE_DAYS = 90;
/** The job's name under the lease (src/jobs.ts). */
export const REVIEW_OPEN_JOB = 'security.review-open';

export interface ReviewItemView {
  id: number;
  username: string;
  displayName: string | null;
  role: string;
  districtCode: string | null;
  status: string;
  createdAt: string;
  lastLoginAt: string | null;
  lastActivityAt: string | null;
  findings: string[];
  /** What a finding is about (bulk_created, shared_name_pattern, unused_permissions): finding → text. */
  findingDetails: Record<string, string>;
  decision: ReviewDecision | null;
  decisionNote: string | null;
  decisionAfter: Record<string, unknown> | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

export interface ReviewView {
  id: number;
  quarter: string;
  openedAt: string;
  openedBy: string;
  signedOffAt: string | null;
  signedOffBy: string | null;
  signOffNote: string | null;
  frozen: boolean;
  counts: { accounts: number; withFindings: number; decided: number };
  /** When 《用户权限审查报告》 .docx was rendered and kept (at sign-off); null before. */
  reportGeneratedAt: string | null;
  items?: ReviewItemView[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The Shanghai quarter of an instant, '2026Q4'. */
export function quarterOf(at: Date): string {
  const day = shanghaiDay(at);
  return `${day.slice(0, 4)}Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}

/** Pure: the findings of one account at `now`. */
export function findingsOf(u: { role: string; district_code: string | null; status: string; last_login_at: Date | null; last_activity_at: Date | null }, now: Date): Finding[] {
  const out: Finding[] = [];
  if (!u.last_login_at) out.push('never_logged_in');
  else {
    const last = Math.max(u.last_login_at.getTime(), u.last_activity_at?.getTime() ?? 0);
    if (now.getTime() - last > INACTIVE_DAYS * 86_400_000) out.push('inactive_90d');
  }
  if (u.role === 'admin') out.push('admin');
  const perms = ROLE_PERMISSIONS[u.role as Role] ?? [];
  if (u.role !== 'admin' && perms.includes('pii')) out.push('pii');
  if (u.role === 'district' && !u.district_code) out.push('district_without_district');
  if (u.status === 'disabled') out.push('disabled');
  return out;
}

async function counts(db: SecurityDb, reviewId: number): Promise<ReviewView['counts']> {
  const r = await db.selectFrom('security_review_items')
    .select((eb) => [
      eb.fn.countAll<number>().as('accounts'),
      sql<number>`count(*) filter (where cardinality(findings) > 0)`.as('with_findings'),
      sql<number>`count(*) filter (where decision is not null)`.as('decided'),
    ])
    .where('review_id', '=', reviewId).executeTakeFirstOrThrow();
  return { accounts: Number(r.accounts), withFindings: Number(r.with_findings), decided: Number(r.decided) };
}

type ReviewRow = {
  id: number; quarter: string; opened_at: Date; opened_by: string; signed_off_at: Date | null; signed_off_by: string | null; sign_off_note: string | null;
  report_generated_at: Date | null;
};
type ItemRow = Selectable<SecurityReviewItemsTable>;

function itemView(i: ItemRow): ReviewItemView {
  return {
    id: Number(i.id), username: i.username, displayName: i.display_name, role: i.role, districtCode: i.district_code, status: i.status,
    createdAt: i.created_at.toISOString(), lastLoginAt: iso(i.last_login_at), lastActivityAt: iso(i.last_activity_at), findings: i.findings,
    findingDetails: i.finding_details ?? {},
    decision: i.decision, decisionNote: i.decision_note, decisionAfter: i.decision_after, decidedBy: i.decided_by, decidedAt: iso(i.decided_at),
  };
}

async function reviewView(db: SecurityDb, r: ReviewRow, withItems: boolean): Promise<ReviewView> {
  const view: ReviewView = {
    id: Number(r.id), quarter: r.quarter, openedAt: r.opened_at.toISOString(), openedBy: r.opened_by,
    signedOffAt: iso(r.signed_off_at), signedOffBy: r.signed_off_by, signOffNote: r.sign_off_note, frozen: r.signed_off_at !== null,
    counts: await counts(db, Number(r.id)), reportGeneratedAt: iso(r.report_generated_at),
  };
  if (withItems) {
    const rows = await db.selectFrom('security_review_items').selectAll().where('review_id', '=', r.id)
      .orderBy(sql`cardinality(findings)`, 'desc').orderBy('username').execute();
    view.items = rows.map(itemView);
  }
  return view;
}

function parseQuarter(raw: string | undefined, now: Date): string {
  if (raw === undefined || raw === '') return quarterOf(now);
  if (!/^\d{4}Q[1-4]$/.test(raw)) throw badRequest('INVALID_QUARTER', 'quarter 须为 YYYYQn，例如 2026Q4 / quarter: YYYYQn, e.g. 2026Q4');
  return raw;
}

/** Opens the campaign of a quarter (default: the current one), listing every account with its findings. 409 if it exists. */
export async function openReview(anyCtx: AppContext, actor: Actor, quarterRaw?: string): Promise<ReviewView> {
  const ctx = securityContext(anyCtx);
  const now = ctx.clock.now();
  const quarter = parseQuarter(quarterRaw, now);
  return ctx.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('security_reviews').select('id').where('quarter', '=', quarter).executeTakeFirst();
    if (exists) throw conflict('REVIEW_EXISTS', `${quarter} 的权限审查已存在 / the review of ${quarter} exists (#${exists.id})`);
    const review = await trx.insertInto('security_reviews').values({ quarter, opened_at: now, opened_by: actor.username, signed_off_at: null, signed_off_by: null, sign_off_note: null })
      .returningAll().executeTakeFirstOrThrow();
    const activity = await trx.selectFrom('audit_log').select(['actor', (eb) => eb.fn.max('at').as('last')]).where('outcome', '=', 'ok').groupBy('actor').execute();
    const lastOf = new Map(activity.map((a) => [a.actor, a.last as Date]));
    const users = await trx.selectFrom('users').select(['username', 'display_name', 'role', 'district_code', 'status', 'created_at', 'last_login_at']).orderBy('username').execute();
    const windowStart = usageWindowStart(now);
    const used = await trx.selectFrom('audit_log').select(['actor', 'action']).distinct().where('outcome', '=', 'ok').where('at', '>=', windowStart).execute();
    const actionsOf = new Map<string, Set<string>>();
    for (const u of used) actionsOf.set(u.actor, (actionsOf.get(u.actor) ?? new Set()).add(u.action));
    const creations = await trx.selectFrom('audit_log').select(['actor', 'target_id']).where('action', '=', 'user.create').where('outcome', '=', 'ok').execute();
    const creatorOf = new Map(creations.map((c) => [c.target_id ?? '', c.actor]));
    const bulk = bulkCreated(users.map((u) => ({ username: u.username, createdAt: u.created_at, createdBy: creatorOf.get(u.username) ?? null })));
    const patterns = sharedNamePatterns(users.map((u) => u.username));
    if (users.length) {
      await trx.insertInto('security_review_items').values(users.map((u) => {
        const lastActivity = lastOf.get(u.username) ?? null;
        const findings: string[] = findingsOf({ ...u, last_activity_at: lastActivity }, now);
        const details: Record<string, string> = {};
        const note = (finding: string, text: string | undefined) => {
          if (text === undefined) return;
          findings.push(finding);
          details[finding] = text;
        };
        note('bulk_created', bulk.get(u.username));
        note('shared_name_pattern', patterns.get(u.username));
        const unused = unusedPermissions(u.role, actionsOf.get(u.username) ?? new Set(), { createdAt: u.created_at, status: u.status }, windowStart);
        note('unused_permissions', unused.length ? `近 ${USAGE_WINDOW_DAYS} 天未使用：${unused.map((p) => PERMISSION_NAMES[p] ?? p).join('、')}` : undefined);
        return {
          review_id: review.id, username: u.username, display_name: u.display_name, role: u.role, district_code: u.district_code, status: u.status,
          created_at: u.created_at, last_login_at: u.last_login_at, last_activity_at: lastActivity, findings,
          finding_details: Object.keys(details).length ? JSON.stringify(details) : null,
          decision: null, decision_note: null, decision_after: null, decided_by: null, decided_at: null,
        };
      })).execute();
    }
    const view = await reviewView(trx, review, true);
    await audit(ctx, trx, actor, { action: 'security.review.open', targetType: 'review', targetId: quarter, detail: { counts: view.counts } });
    return view;
  });
}

export async function listReviews(ctx: SecurityContext): Promise<{ items: ReviewView[] }> {
  const rows = await ctx.db.selectFrom('security_reviews')
    .select(['id', 'quarter', 'opened_at', 'opened_by', 'signed_off_at', 'signed_off_by', 'sign_off_note', 'report_generated_at']).orderBy('quarter', 'desc').execute();
  return { items: await Promise.all(rows.map((r) => reviewView(ctx.db, r, false))) };
}

async function findReview(db: SecurityDb, id: string | number) {
  const t = String(id);
  const row = /^\d{1,15}$/.test(t)
    ? await db.selectFrom('security_reviews').selectAll().where('id', '=', Number(t)).executeTakeFirst()
    : await db.selectFrom('security_reviews').selectAll().where('quarter', '=', t.toUpperCase()).executeTakeFirst();
  if (!row) throw notFound(`权限审查 / review ${t.slice(0, 20)}`);
  return row;
}

export async function getReview(ctx: SecurityContext, id: string | number): Promise<ReviewView> {
  return reviewView(ctx.db, await findReview(ctx.db, id), true);
}

/**
 * 《用户权限审查报告》 .docx: the one kept at sign-off for a signed-off review, otherwise rendered
 * now from the review as it stands (marked 未签署).
 */
export async function reviewReport(ctx: SecurityContext, id: string | number): Promise<{ body: Buffer; quarter: string }> {
  const row = await findReview(ctx.db, id);
  if (row.report_docx) return { body: Buffer.from(row.report_docx), quarter: row.quarter };
  return { body: await reviewDocx(await reviewView(ctx.db, row, true), ctx.clock.now()), quarter: row.quarter };
}

export interface DecisionInput {
  decision: string;
  role?: string;
  districtCode?: string | null;
  note?: string | null;
}

/**
 * One click: records the decision on an account and applies it through the accounts module
 * (change_role → role, restrict_district → districtCode, disable → disabled), both audited.
 */
export async function decide(ctx: SecurityContext, actor: Actor, reviewId: string | number, itemId: string | number, input: DecisionInput): Promise<ReviewItemView> {
  if (!(DECISIONS as readonly string[]).includes(input.decision)) throw badRequest('INVALID_DECISION', `decision 须为 ${DECISIONS.join(' | ')} / decision: one of ${DECISIONS.join(', ')}`);
  const decision = input.decision as ReviewDecision;
  const review = await findReview(ctx.db, reviewId);
  if (review.signed_off_at) throw conflict('REVIEW_SIGNED_OFF', '该审查已签署，不能再修改 / the review is signed off and frozen');
  const item = /^\d{1,15}$/.test(String(itemId))
    ? await ctx.db.selectFrom('security_review_items').selectAll().where('review_id', '=', review.id).where('id', '=', Number(itemId)).executeTakeFirst()
    : undefined;
  if (!item) throw notFound(`审查条目 / review item ${String(itemId).slice(0, 20)}`);
  let after: Record<string, unknown> | null = null;
  if (decision === 'change_role') {
    if (!input.role) throw badRequest('ROLE_REQUIRED', '调整角色须指定 role / change_role needs role');
    const u = await updateUser(ctx, actor, item.username, { role: input.role, ...(input.districtCode !== undefined ? { districtCode: input.districtCode } : {}) });
    after = { role: u.role, districtCode: u.districtCode };
  } else if (decision === 'restrict_district') {
    if (!input.districtCode) throw badRequest('DISTRICT_REQUIRED', '限定县市区须指定 districtCode / restrict_district needs districtCode');
    const u = await updateUser(ctx, actor, item.username, { role: 'district', districtCode: input.districtCode });
    after = { role: u.role, districtCode: u.districtCode };
  } else if (decision === 'disable') {
    const u = await updateUser(ctx, actor, item.username, { disabled: true });
    after = { status: u.status };
  }
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const frozen = await trx.selectFrom('security_reviews').select('signed_off_at').where('id', '=', review.id).forUpdate().executeTakeFirstOrThrow();
    if (frozen.signed_off_at) throw conflict('REVIEW_SIGNED_OFF', '该审查已签署，不能再修改 / the review is signed off and frozen');
    const row = await trx.updateTable('security_review_items')
      .set({ decision, decision_note: input.note?.trim() || null, decision_after: after ? JSON.stringify(after) : null, decided_by: actor.username, decided_at: now })
      .where('id', '=', item.id).returningAll().executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'security.review.decide', targetType: 'review', targetId: review.quarter, detail: { username: item.username, decision, after, note: row.decision_note } });
    return itemView(row);
  });
}

/** Sign-off by an admin or a bureau user once every account has a decision; the review is then frozen. */
export async function signOff(ctx: SecurityContext, actor: Actor, reviewId: string | number, note?: string | null): Promise<ReviewView> {
  if (actor.role !== 'admin' && actor.role !== 'bureau') throw forbidden('只有系统管理员或市局用户可签署权限审查 / only an admin or a bureau user signs a review off');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const review = await trx.selectFrom('security_reviews').selectAll().where('id', '=', (await findReview(trx, reviewId)).id).forUpdate().executeTakeFirstOrThrow();
    if (review.signed_off_at) throw conflict('REVIEW_SIGNED_OFF', '该审查已签署 / the review is already signed off');
    const c = await counts(trx, Number(review.id));
    if (c.decided < c.accounts) throw new AppError(409, 'REVIEW_INCOMPLETE', `还有 ${c.accounts - c.decided} 个账号未作决定 / ${c.accounts - c.decided} accounts have no decision yet`);
    const signed = await trx.updateTable('security_reviews').set({ signed_off_at: now, signed_off_by: actor.username, sign_off_note: note?.trim() || null })
      .where('id', '=', review.id).returningAll().executeTakeFirstOrThrow();
    // 《用户权限审查报告》 is rendered once, from the frozen review, and kept with it.
    const docx = await reviewDocx({ ...(await reviewView(trx, signed, true)), reportGeneratedAt: now.toISOString() }, now);
    const row = await trx.updateTable('security_reviews').set({ report_docx: docx, report_generated_at: now }).where('id', '=', review.id).returningAll().executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'security.review.sign_off', targetType: 'review', targetId: review.quarter, detail: { counts: c, note: row.sign_off_note, reportBytes: docx.length } });
    return reviewView(trx, row, true);
  });
}

/** The daily job: in the first week of a quarter, opens its review (once) and tells the admins. */
export async function openQuarterReviewIfDue(anyCtx: AppContext): Promise<string | null> {
  const ctx = securityContext(anyCtx);
  const now = ctx.clock.now();
  const day = shanghaiDay(now);
  const month = Number(day.slice(5, 7));
  if ((month - 1) % 3 !== 0 || Number(day.slice(8, 10)) > 7) return null;
  const quarter = quarterOf(now);
  const exists = await ctx.db.selectFrom('security_reviews').select('id').where('quarter', '=', quarter).executeTakeFirst();
  if (exists) return null;
  const actor = { userId: null, username: 'system', role: 'system' as const, districtCode: null, permissions: new Set(ROLE_PERMISSIONS.admin), ip: null };
  try {
    const view = await openReview(ctx, actor, quarter);
    await notify(ctx, ctx.db, {
      kind: 'security.review.opened', severity: 'info',
      title: `${quarter} 季度权限审查已开启`,
      body: `共 ${view.counts.accounts} 个账号，其中 ${view.counts.withFindings} 个有待关注项，请逐一决定并由市局签署。`,
      en: {
        title: `The ${quarter} permission review is open`,
        body: `${view.counts.accounts} accounts, ${view.counts.withFindings} with findings: decide each, then a bureau user signs it off.`,
      },
      link: '/security?tab=reviews', audience: { permission: 'users:manage' },
    });
    return quarter;
  } catch (err) {
    if (err instanceof AppError && err.code === 'REVIEW_EXISTS') return null;
    throw err;
  }
}
