import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { queryList } from '../../platform/query-list.js';
import { districtScope } from '../../platform/scope.js';
import type { LotCategory, LotKind } from '../registry/index.js';
import type { OnboardingStage } from './tables.js';
import { PRIORITIES, STAGES, type Priority } from './vocab.js';
import type { OnboardingDb } from './repo.js';

/*
 * Reading entries. Every read starts from `entryQuery`, which carries the actor's district scope:
 * an entry of another district is neither listed nor found. "Overdue" is computed, never stored:
 * the target date has passed (before today in Shanghai) and the entry is not connected.
 */

export interface EntryView {
  id: number;
  districtCode: string;
  districtName: string;
  name: string;
  address: string | null;
  kind: LotKind;
  category: LotCategory;
  knownSpaces: number;
  operatorName: string | null;
  contactName: string | null;
  contactPhone: string | null;
  keyArea: boolean;
  highFrequency: boolean;
  stage: OnboardingStage;
  /** Shanghai date of the latest history entry (stage change or progress note). */
  stageDate: string;
  targetDate: string | null;
  overdue: boolean;
  /** Whole days past the target date while overdue, else 0. */
  overdueDays: number;
  lotCode: string | null;
  lotName: string | null;
  /** The linked lot has received at least one event. */
  lotReporting: boolean;
  /** Shanghai date it became connected, while it is. */
  connectedOn: string | null;
  latestNote: { date: string; note: string } | null;
  remark: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface HistoryItem {
  id: number;
  fromStage: OnboardingStage | null;
  toStage: OnboardingStage;
  date: string;
  at: string;
  actor: string;
  note: string | null;
  system: boolean;
}

export interface EntryFilters {
  districtCode?: string;
  /** One stage or several, comma-separated. */
  stage?: string;
  overdue?: string | boolean;
  priority?: string;
  /** Contained in name, address, operator, contact or lot code, case-insensitive. */
  q?: string;
}

export function entryQuery(db: OnboardingDb, actor: Actor, today: string, f: EntryFilters = {}) {
  const scope = districtScope(actor);
  const stages = parseStages(f.stage);
  const overdue = parseOverdue(f.overdue);
  const priority = parsePriority(f.priority);
  const like = f.q?.trim() ? `%${f.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const isOverdue = sql<boolean>`coalesce(e.target_date < ${today}::date and e.stage <> 'connected', false)`;
  return db
    .selectFrom('onboarding_entries as e')
    .innerJoin('districts', 'districts.code', 'e.district_code')
    .$if(scope !== null, (qb) => qb.where('e.district_code', '=', scope!))
    .$if(!!f.districtCode, (qb) => qb.where('e.district_code', '=', f.districtCode!))
    .$if(stages.length > 0, (qb) => qb.where('e.stage', 'in', stages))
    .$if(overdue !== null, (qb) => qb.where(overdue ? isOverdue : sql<boolean>`not ${isOverdue}`))
    .$if(priority === 'key_area', (qb) => qb.where('e.key_area', '=', true))
    .$if(priority === 'high_frequency', (qb) => qb.where('e.high_frequency', '=', true))
    .$if(like !== null, (qb) =>
      qb.where((eb) =>
        eb.or([eb('e.name', 'ilike', like!), eb('e.address', 'ilike', like!), eb('e.operator_name', 'ilike', like!), eb('e.contact_name', 'ilike', like!), eb('e.lot_code', 'ilike', like!)]),
      ),
    );
}

export function selectEntryView(qb: ReturnType<typeof entryQuery>, today: string) {
  return qb
    .leftJoin('lots', 'lots.code', 'e.lot_code')
    .leftJoin('lot_live', 'lot_live.lot_id', 'lots.id')
    .selectAll('e')
    .select([
      'districts.name as district_name',
      'lots.name as lot_name',
      sql<boolean>`coalesce(lot_live.last_occurred_at is not null, false)`.as('lot_reporting'),
      sql<number>`case when e.target_date < ${today}::date and e.stage <> 'connected' then (${today}::date - e.target_date) else 0 end`.as('overdue_days'),
    ])
    .select((eb) => [
      eb
        .selectFrom('onboarding_stage_changes as c')
        .select(sql<string>`c.changed_on::text`.as('d'))
        .whereRef('c.entry_id', '=', 'e.id')
        .where('c.to_stage', '=', 'connected')
        .where((w) => w.or([w('c.from_stage', 'is', null), w('c.from_stage', '<>', 'connected')]))
        .orderBy('c.id', 'desc')
        .limit(1)
        .as('connected_on'),
      eb
        .selectFrom('onboarding_stage_changes as n')
        .select(sql<string>`n.changed_on::text || ' ' || n.note`.as('t'))
        .whereRef('n.entry_id', '=', 'e.id')
        .where('n.note', 'is not', null)
        .orderBy('n.changed_on', 'desc')
        .orderBy('n.id', 'desc')
        .limit(1)
        .as('latest_note'),
    ]);
}

type ViewRow = Awaited<ReturnType<ReturnType<typeof selectEntryView>['execute']>>[number];

export function toEntryView(r: ViewRow): EntryView {
  const overdueDays = Number(r.overdue_days ?? 0);
  const note = r.latest_note ? { date: r.latest_note.slice(0, 10), note: r.latest_note.slice(11) } : null;
  return {
    id: r.id,
    districtCode: r.district_code,
    districtName: r.district_name,
    name: r.name,
    address: r.address,
    kind: r.kind,
    category: r.category,
    knownSpaces: r.known_spaces,
    operatorName: r.operator_name,
    contactName: r.contact_name,
    contactPhone: r.contact_phone,
    keyArea: r.key_area,
    highFrequency: r.high_frequency,
    stage: r.stage,
    stageDate: r.stage_on,
    targetDate: r.target_date,
    overdue: overdueDays > 0,
    overdueDays,
    lotCode: r.lot_code,
    lotName: r.lot_name,
    lotReporting: r.lot_reporting === true,
    connectedOn: r.stage === 'connected' ? (r.connected_on ?? r.stage_on) : null,
    latestNote: note,
    remark: r.remark,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function entryHistory(db: OnboardingDb, entryId: number): Promise<HistoryItem[]> {
  const rows = await db.selectFrom('onboarding_stage_changes').selectAll().where('entry_id', '=', entryId).orderBy('changed_on').orderBy('id').execute();
  return rows.map((h) => ({
    id: h.id,
    fromStage: h.from_stage,
    toStage: h.to_stage,
    date: h.changed_on,
    at: h.at.toISOString(),
    actor: h.actor,
    note: h.note,
    system: h.system,
  }));
}

function parseStages(text: string | undefined): OnboardingStage[] {
  return queryList('stage', text, STAGES, 'INVALID_STAGE') ?? [];
}

function parseOverdue(v: string | boolean | undefined): boolean | null {
  if (v === undefined || v === '') return null;
  if (v === true || v === 'true' || v === '1') return true;
  if (v === false || v === 'false' || v === '0') return false;
  throw badRequest('INVALID_OVERDUE', 'overdue 须为 true 或 false / overdue must be true or false');
}

function parsePriority(v: string | undefined): Priority | null {
  if (!v?.trim()) return null;
  const p = v.trim();
  if ((PRIORITIES as readonly string[]).includes(p)) return p as Priority;
  throw badRequest('INVALID_PRIORITY', `priority 须为 key_area 或 high_frequency / priority must be key_area or high_frequency`);
}
