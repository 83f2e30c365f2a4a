import { sql, type Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { shanghaiDay } from '../../platform/time.js';
import { issuesError, type FieldIssue, loadLookups } from '../registry/index.js';
import { connectReporting } from './connect.js';
import { checkEntry, parseDay, type EntryInput, type EntryValues } from './entry-input.js';
import { entryHistory, entryQuery, selectEntryView, toEntryView, type EntryFilters, type EntryView, type HistoryItem } from './entry-view.js';
import { lotsByCode, noteFirstData } from './live-lots.js';
import type { OnboardingEntriesTable, OnboardingStage } from './tables.js';
import { STAGES } from './vocab.js';
import type { OnboardingContext, OnboardingDb } from './repo.js';

/*
 * The onboarding register: create, edit, change stage (with a dated note), delete. Each write and
 * its audit row commit together; the stage history is append-only. Linking a lot that already
 * reports connects the entry in the same transaction.
 */

export const MAX_PAGE = 500;
const MAX_NOTE = 1000;

export type EntryRow = Selectable<OnboardingEntriesTable>;

const today = (ctx: OnboardingContext) => shanghaiDay(ctx.clock.now());

export async function listEntries(ctx: OnboardingContext, actor: Actor, f: EntryFilters & { limit?: number; offset?: number } = {}): Promise<{ items: EntryView[]; total: number }> {
  const day = today(ctx);
  const limit = Math.min(Math.max(f.limit ?? 50, 1), MAX_PAGE);
  const offset = Math.max(f.offset ?? 0, 0);
  const rows = await selectEntryView(entryQuery(ctx.db, actor, day, f), day)
    .orderBy('districts.sort_order')
    .orderBy('e.district_code')
    .orderBy(sql`array_position(array['not_started','contacting','docking','testing','paused','connected']::text[], e.stage)`)
    .orderBy('e.name')
    .orderBy('e.id')
    .limit(limit)
    .offset(offset)
    .execute();
  const count = await entryQuery(ctx.db, actor, day, f).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return { items: rows.map(toEntryView), total: Number(count.n) };
}

async function findView(db: OnboardingDb, actor: Actor, day: string, id: number): Promise<EntryView> {
  const row = await selectEntryView(entryQuery(db, actor, day), day).where('e.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`接入条目 ${id}`);
  return toEntryView(row);
}

export async function getEntry(ctx: OnboardingContext, actor: Actor, id: number): Promise<EntryView & { history: HistoryItem[] }> {
  const view = await findView(ctx.db, actor, today(ctx), id);
  return { ...view, history: await entryHistory(ctx.db, id) };
}

/** The entry row within the actor's scope, locked for the write, or 404. */
async function lockRow(trx: OnboardingDb, actor: Actor, id: number): Promise<EntryRow> {
  const scope = districtScope(actor);
  const row = await trx
    .selectFrom('onboarding_entries')
    .selectAll()
    .where('id', '=', id)
    .$if(scope !== null, (qb) => qb.where('district_code', '=', scope!))
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`接入条目 ${id}`);
  return row;
}

/**
 * Problems with linking `lotCode` to an entry of `districtCode`: the lot must exist within the
 * actor's scope, lie in the entry's district, and not be linked to another entry.
 */
export async function linkIssues(trx: OnboardingDb, actor: Actor, lotCode: string, districtCode: string, entryId: number | null): Promise<FieldIssue[]> {
  const lot = (await lotsByCode(trx, actor, [lotCode])).get(lotCode);
  if (!lot) return [{ field: 'lotCode', code: 'UNKNOWN_LOT', message: `停车场 ${lotCode} 不存在 / no lot ${lotCode}` }];
  if (lot.districtCode !== districtCode) {
    return [{ field: 'lotCode', code: 'LOT_DISTRICT_MISMATCH', message: `停车场 ${lotCode} 不属于该县市区 / lot ${lotCode} is in another district` }];
  }
  const other = await trx.selectFrom('onboarding_entries').select(['id', 'name']).where('lot_code', '=', lotCode).executeTakeFirst();
  if (other && other.id !== entryId) {
    return [{ field: 'lotCode', code: 'LOT_ALREADY_LINKED', message: `停车场 ${lotCode} 已关联到接入条目「${other.name}」 / lot ${lotCode} is linked to another entry` }];
  }
  return [];
}

export async function nameTaken(trx: OnboardingDb, districtCode: string, name: string, entryId: number | null): Promise<boolean> {
  const row = await trx.selectFrom('onboarding_entries').select('id').where('district_code', '=', districtCode).where('name', '=', name).executeTakeFirst();
  return !!row && row.id !== entryId;
}

const duplicateName = (name: string) => conflict('DUPLICATE_NAME', `该县市区已有名为「${name}」的接入条目 / the district already has an entry named ${name}`);
const linkRequired = () =>
  badRequest('LOT_LINK_REQUIRED', '标记为已接入前请先关联平台停车场编码 / link the registry lot before marking the entry connected');

export function checkNote(note: unknown, required: boolean): string | null {
  const text = typeof note === 'string' ? note.trim() : '';
  if (!text) {
    if (required) throw badRequest('NOTE_REQUIRED', '请填写进展说明 / a progress note is required');
    return null;
  }
  if (text.length > MAX_NOTE) throw badRequest('INVALID_NOTE', `进展说明不超过 ${MAX_NOTE} 字 / note: up to ${MAX_NOTE} characters`);
  return text;
}

export function rowColumns(v: Partial<EntryValues>): Partial<Omit<EntryRow, 'id' | 'created_at'>> {
  const map: Record<keyof EntryValues, keyof EntryRow> = {
    districtCode: 'district_code', name: 'name', address: 'address', kind: 'kind', category: 'category', knownSpaces: 'known_spaces',
    operatorName: 'operator_name', contactName: 'contact_name', contactPhone: 'contact_phone', keyArea: 'key_area',
    highFrequency: 'high_frequency', stage: 'stage', targetDate: 'target_date', lotCode: 'lot_code', remark: 'remark',
  };
  const out: Record<string, unknown> = {};
  for (const [k, v2] of Object.entries(v)) if (v2 !== undefined) out[map[k as keyof EntryValues]] = v2;
  return out as Partial<Omit<EntryRow, 'id' | 'created_at'>>;
}

export function rowValues(r: EntryRow): EntryValues {
  return {
    districtCode: r.district_code, name: r.name, address: r.address, kind: r.kind, category: r.category, knownSpaces: r.known_spaces,
    operatorName: r.operator_name, contactName: r.contact_name, contactPhone: r.contact_phone, keyArea: r.key_area,
    highFrequency: r.high_frequency, stage: r.stage, targetDate: r.target_date, lotCode: r.lot_code, remark: r.remark,
  };
}

/** The fields that differ, as before/after; null when nothing changes. */
export function entryChanges(current: EntryValues, next: Partial<EntryValues>): { before: Partial<EntryValues>; after: Partial<EntryValues> } | null {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) {
    const key = k as keyof EntryValues;
    if (v === undefined || key === 'stage' || current[key] === v) continue;
    before[key] = current[key];
    after[key] = v;
  }
  return Object.keys(after).length ? { before, after } : null;
}

/** Inserts a checked entry with its registration in the history; the caller audits. */
export async function insertEntry(ctx: OnboardingContext, trx: OnboardingDb, actor: Actor, values: EntryValues, note: string | null): Promise<number> {
  const now = ctx.clock.now();
  const day = shanghaiDay(now);
  const { id } = await trx
    .insertInto('onboarding_entries')
    .values({ ...(rowColumns(values) as Required<ReturnType<typeof rowColumns>>), stage_on: day, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('onboarding_stage_changes')
    .values({ entry_id: id, from_stage: null, to_stage: values.stage, changed_on: day, at: now, actor: actor.username, note, system: false })
    .execute();
  return id;
}

/** After a link is set: the lot may already report, which connects the entry now. */
export async function connectIfLinked(ctx: OnboardingContext, trx: OnboardingDb, entryId: number, lotCode: string | null): Promise<void> {
  if (!lotCode) return;
  await noteFirstData(trx, ctx.clock.now());
  await connectReporting(ctx, trx, [entryId]);
}

export async function createEntry(ctx: OnboardingContext, actor: Actor, input: EntryInput & { note?: unknown }): Promise<EntryView & { history: HistoryItem[] }> {
  const note = checkNote(input.note, false);
  const id = await ctx.db.transaction().execute(async (trx) => {
    const { values, issues } = checkEntry(input, 'create', await loadLookups(trx, actor));
    if (!issues.length && values.lotCode) issues.push(...(await linkIssues(trx, actor, values.lotCode, values.districtCode!, null)));
    if (issues.length) throw entryIssuesError(issues);
    const v = values as EntryValues;
    if (v.stage === 'connected' && !v.lotCode) throw linkRequired();
    if (await nameTaken(trx, v.districtCode, v.name, null)) throw duplicateName(v.name);
    const newId = await insertEntry(ctx, trx, actor, v, note);
    await audit(ctx, trx, actor, { action: 'onboarding.create', targetType: 'onboarding_entry', targetId: newId, detail: { after: v, note } });
    await connectIfLinked(ctx, trx, newId, v.lotCode);
    return newId;
  });
  return getEntry(ctx, actor, id);
}

export async function updateEntry(ctx: OnboardingContext, actor: Actor, id: number, patch: EntryInput): Promise<EntryView & { history: HistoryItem[] }> {
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockRow(trx, actor, id);
    const { stage: _ignored, ...rest } = patch;
    const { values, issues } = checkEntry(rest, 'patch', await loadLookups(trx, actor));
    const districtCode = values.districtCode ?? row.district_code;
    const lotCode = values.lotCode === undefined ? row.lot_code : values.lotCode;
    // Moving the entry to another district re-checks the link it keeps.
    if (!issues.length && lotCode && (values.lotCode !== undefined || districtCode !== row.district_code)) {
      issues.push(...(await linkIssues(trx, actor, lotCode, districtCode, id)));
    }
    if (issues.length) throw entryIssuesError(issues);
    if (row.stage === 'connected' && lotCode === null && row.lot_code !== null) {
      throw badRequest('LOT_LINK_REQUIRED', '已接入的条目须保留关联的停车场 / a connected entry keeps its lot link');
    }
    const changes = entryChanges(rowValues(row), values);
    if (!changes) return;
    if ((changes.after.name !== undefined || changes.after.districtCode !== undefined) && (await nameTaken(trx, districtCode, values.name ?? row.name, id))) {
      throw duplicateName(values.name ?? row.name);
    }
    await trx.updateTable('onboarding_entries').set({ ...rowColumns(changes.after), updated_at: ctx.clock.now() }).where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'onboarding.update', targetType: 'onboarding_entry', targetId: id, detail: changes });
    if (changes.after.lotCode) await connectIfLinked(ctx, trx, id, changes.after.lotCode);
  });
  return getEntry(ctx, actor, id);
}

export interface StageChange {
  stage: string;
  note?: unknown;
  /** Shanghai date the change happened, 'YYYY-MM-DD'; default today. */
  date?: string;
}

export async function changeStage(ctx: OnboardingContext, actor: Actor, id: number, body: StageChange): Promise<EntryView & { history: HistoryItem[] }> {
  if (!(STAGES as readonly string[]).includes(body.stage)) {
    throw badRequest('INVALID_STAGE', `阶段须为 ${STAGES.join(' ')} / stage must be one of ${STAGES.join(', ')}`);
  }
  const stage = body.stage as OnboardingStage;
  const note = checkNote(body.note, true)!;
  const day = today(ctx);
  let date = day;
  if (body.date !== undefined && body.date !== '') {
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(body.date) ? parseDay(body.date) : null;
    if (!parsed) throw badRequest('INVALID_DATE', '日期须为 YYYY-MM-DD / date must be YYYY-MM-DD');
    if (parsed > day) throw badRequest('DATE_IN_FUTURE', `日期不能晚于今天 ${day} / the date cannot be after today (${day}, Shanghai)`);
    date = parsed;
  }
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockRow(trx, actor, id);
    if (date < row.stage_on) {
      throw badRequest('DATE_BEFORE_LAST_CHANGE', `日期不能早于上一次记录 ${row.stage_on} / the date cannot be before the latest history entry (${row.stage_on})`);
    }
    if (stage === 'connected' && row.stage !== 'connected' && !row.lot_code) throw linkRequired();
    const now = ctx.clock.now();
    await trx.updateTable('onboarding_entries').set({ stage, stage_on: date, updated_at: now }).where('id', '=', id).execute();
    await trx
      .insertInto('onboarding_stage_changes')
      .values({ entry_id: id, from_stage: row.stage, to_stage: stage, changed_on: date, at: now, actor: actor.username, note, system: false })
      .execute();
    await audit(ctx, trx, actor, { action: 'onboarding.stage', targetType: 'onboarding_entry', targetId: id, detail: { from: row.stage, to: stage, date, note } });
  });
  return getEntry(ctx, actor, id);
}

/** Administrators only: an entry with its history is gone for good (the audit keeps what it was). */
export async function deleteEntry(ctx: OnboardingContext, actor: Actor, id: number): Promise<void> {
  if (actor.role !== 'admin' && actor.role !== 'system') throw forbidden('仅系统管理员可删除接入条目 / only an administrator may delete onboarding entries');
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockRow(trx, actor, id);
    await trx.deleteFrom('onboarding_entries').where('id', '=', id).execute();
    await audit(ctx, trx, actor, { action: 'onboarding.delete', targetType: 'onboarding_entry', targetId: id, detail: { before: rowValues(row) } });
  });
}

const STATUS_OF: Record<string, number> = { LOT_ALREADY_LINKED: 409 };

/** The most telling issue as the error (permission first), all issues in details. */
export function entryIssuesError(issues: FieldIssue[]): AppError {
  const linked = issues.find((i) => STATUS_OF[i.code]);
  if (linked && !issues.some((i) => i.code === 'DISTRICT_FORBIDDEN')) return new AppError(STATUS_OF[linked.code]!, linked.code, linked.message, issues);
  return issuesError(issues);
}
