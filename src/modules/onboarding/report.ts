import type { Actor } from '../../platform/auth/permissions.js';
import { districtScope } from '../../platform/scope.js';
import { shanghaiDay } from '../../platform/time.js';
import type { LotCategory, LotKind } from '../registry/index.js';
import { countsThroughLot, coverageOf, scopedDistricts, type Coverage } from './coverage.js';
import { reportedLots, type LiveLot } from './live-lots.js';
import { asOfQuarter, currentQuarter, parseQuarter, type ReportQuarter } from './quarter.js';
import type { OnboardingStage } from './tables.js';
import type { OnboardingContext } from './repo.js';

/*
 * The quarterly 《县市区停车场接入进展清单》 for a Shanghai calendar quarter, as of its last day
 * (or today while it runs). Per district:
 *
 *   已接入 connected: the district's active lots that had first delivered data by then (each with
 *     the day it did and whether that fell in the quarter), and entries connected by then whose
 *     lot does not appear there (say, suspended since), with their known spaces;
 *   正在对接 in progress: every other entry registered by then, whatever its stage (未启动 and
 *     暂停 included: they are still to be connected), with its stage then, its latest progress
 *     notes up to then, its target date and whether it was overdue then;
 *   coverage as defined in coverage.ts, at that moment.
 *
 * An entry's stage "then" comes from its history (the last change dated on or before the day),
 * so a past quarter's list is what it was at its end; spaces and names are today's values.
 */

export const NOTES_PER_ENTRY = 3;

export interface ConnectedItem {
  lotCode: string | null;
  name: string;
  kind: LotKind;
  category: LotCategory;
  spaces: number;
  /** Shanghai day the lot first delivered data (or the entry was marked connected). */
  connectedOn: string | null;
  newThisQuarter: boolean;
  /** The onboarding entry it came from, if any. */
  entryName: string | null;
}

export interface ProgressNote {
  date: string;
  stage: OnboardingStage;
  note: string;
}

export interface InProgressItem {
  entryId: number;
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
  stageDate: string;
  targetDate: string | null;
  overdue: boolean;
  overdueDays: number;
  lotCode: string | null;
  /** Newest first, at most NOTES_PER_ENTRY. */
  notes: ProgressNote[];
}

export interface DistrictSection {
  districtCode: string;
  districtName: string;
  coverage: Coverage;
  connected: ConnectedItem[];
  inProgress: InProgressItem[];
}

export interface OnboardingReport {
  quarter: string;
  label: string;
  from: string;
  to: string;
  /** The moment described: the quarter's end, or the time of generation while it runs. */
  asOf: string;
  asOfDay: string;
  generatedAt: string;
  districts: DistrictSection[];
  totals: Coverage & { connectedThisQuarter: number; inProgress: number; overdue: number };
}

/** Furthest along first; entries not started or paused last. */
const PROGRESS_ORDER: readonly OnboardingStage[] = ['testing', 'docking', 'contacting', 'not_started', 'paused', 'connected'];
const dayDiff = (later: string, earlier: string) => Math.round((Date.parse(later) - Date.parse(earlier)) / 86_400_000);

/** The quarter asked for ('2026Q4'), or the current one when none is given. */
export function reportQuarter(text: string | undefined, now: Date): ReportQuarter {
  return text === undefined || text.trim() === '' ? currentQuarter(now) : parseQuarter(text);
}

export async function buildReport(ctx: OnboardingContext, actor: Actor, quarterText: string | undefined): Promise<OnboardingReport> {
  const now = ctx.clock.now();
  const quarter = reportQuarter(quarterText, now);
  const asOf = asOfQuarter(quarter, now);
  const scope = districtScope(actor);
  const districts = await scopedDistricts(ctx, actor);
  const lots = await reportedLots(ctx.db, actor, asOf.at);
  const entries = await ctx.db
    .selectFrom('onboarding_entries')
    .selectAll()
    .$if(scope !== null, (qb) => qb.where('district_code', '=', scope!))
    .orderBy('id')
    .execute();
  const history = entries.length
    ? await ctx.db
        .selectFrom('onboarding_stage_changes as c')
        .innerJoin('onboarding_entries as e', 'e.id', 'c.entry_id')
        .select(['c.entry_id', 'c.from_stage', 'c.to_stage', 'c.changed_on', 'c.note', 'c.id'])
        .where('c.changed_on', '<=', asOf.day)
        .$if(scope !== null, (qb) => qb.where('e.district_code', '=', scope!))
        .orderBy('c.changed_on')
        .orderBy('c.id')
        .execute()
    : [];
  const historyOf = new Map<number, typeof history>();
  for (const h of history) historyOf.set(h.entry_id, [...(historyOf.get(h.entry_id) ?? []), h]);

  // Each entry as it stood then; entries registered later are not on the list.
  const then = entries.flatMap((e) => {
    const rows = historyOf.get(e.id);
    if (!rows?.length) return [];
    const last = rows[rows.length - 1]!;
    const connectedRow = [...rows].reverse().find((r) => r.to_stage === 'connected' && r.from_stage !== 'connected');
    const notes = rows.filter((r) => r.note).slice(-NOTES_PER_ENTRY).reverse().map((r) => ({ date: r.changed_on, stage: r.to_stage, note: r.note! }));
    return [{ e, stage: last.to_stage, stageDate: last.changed_on, connectedOn: connectedRow?.changed_on ?? null, notes }];
  });

  const lotByCode = new Map(lots.map((l) => [l.code, l]));
  // Connected then: by its stage, or through its linked lot's data (as coverage counts it).
  const isConnected = (t: (typeof then)[number]) =>
    countsThroughLot({ districtCode: t.e.district_code, knownSpaces: t.e.known_spaces, connected: t.stage === 'connected', lotCode: t.e.lot_code }, lotByCode);
  const coverage = coverageOf(
    districts,
    lots,
    then.map((t) => ({ districtCode: t.e.district_code, knownSpaces: t.e.known_spaces, connected: t.stage === 'connected', lotCode: t.e.lot_code })),
  );
  const entryByLot = new Map(entries.filter((e) => e.lot_code).map((e) => [e.lot_code!, e]));
  const activeLots = lots.filter((l) => l.status === 'active');
  const activeCodes = new Set(activeLots.map((l) => l.code));

  const sections: DistrictSection[] = coverage.items.map((c) => {
    const connected: ConnectedItem[] = activeLots.filter((l) => l.districtCode === c.districtCode).map((l) => lotItem(l, quarter, entryByLot.get(l.code)?.name ?? null));
    for (const t of then) {
      if (t.e.district_code !== c.districtCode || !isConnected(t) || (t.e.lot_code && activeCodes.has(t.e.lot_code))) continue;
      const lotFirst = t.e.lot_code ? lotByCode.get(t.e.lot_code)?.firstDataAt : null;
      const on = t.connectedOn ?? (lotFirst ? shanghaiDay(lotFirst) : null);
      connected.push({
        lotCode: t.e.lot_code,
        name: t.e.name,
        kind: t.e.kind,
        category: t.e.category,
        spaces: t.e.known_spaces,
        connectedOn: on,
        newThisQuarter: on !== null && on >= quarter.firstDay,
        entryName: t.e.name,
      });
    }
    connected.sort((a, b) => (a.connectedOn ?? '').localeCompare(b.connectedOn ?? '') || a.name.localeCompare(b.name, 'zh-CN'));
    const inProgress: InProgressItem[] = then
      .filter((t) => t.e.district_code === c.districtCode && !isConnected(t))
      .map((t) => {
        const overdueDays = t.e.target_date && t.e.target_date < asOf.day ? dayDiff(asOf.day, t.e.target_date) : 0;
        return {
          entryId: t.e.id,
          name: t.e.name,
          address: t.e.address,
          kind: t.e.kind,
          category: t.e.category,
          knownSpaces: t.e.known_spaces,
          operatorName: t.e.operator_name,
          contactName: t.e.contact_name,
          contactPhone: t.e.contact_phone,
          keyArea: t.e.key_area,
          highFrequency: t.e.high_frequency,
          stage: t.stage,
          stageDate: t.stageDate,
          targetDate: t.e.target_date,
          overdue: overdueDays > 0,
          overdueDays,
          lotCode: t.e.lot_code,
          notes: t.notes,
        };
      })
      .sort((a, b) => PROGRESS_ORDER.indexOf(a.stage) - PROGRESS_ORDER.indexOf(b.stage) || a.name.localeCompare(b.name, 'zh-CN'));
    const { districtCode, districtName, ...cov } = c;
    return { districtCode, districtName, coverage: cov, connected, inProgress };
  });

  const all = <T>(pick: (s: DistrictSection) => T[]) => sections.flatMap(pick);
  return {
    quarter: quarter.quarter,
    label: quarter.label,
    from: quarter.firstDay,
    to: quarter.lastDay,
    asOf: asOf.at.toISOString(),
    asOfDay: asOf.day,
    generatedAt: now.toISOString(),
    districts: sections,
    totals: {
      ...coverage.total,
      connectedThisQuarter: all((s) => s.connected).filter((i) => i.newThisQuarter).length,
      inProgress: all((s) => s.inProgress).length,
      overdue: all((s) => s.inProgress).filter((i) => i.overdue).length,
    },
  };
}

function lotItem(l: LiveLot, quarter: ReportQuarter, entryName: string | null): ConnectedItem {
  const on = l.firstDataAt ? shanghaiDay(l.firstDataAt) : null;
  return {
    lotCode: l.code,
    name: l.name,
    kind: l.kind,
    category: l.category,
    spaces: l.totalSpaces,
    connectedOn: on,
    newThisQuarter: l.firstDataAt !== null && l.firstDataAt.getTime() >= quarter.start.getTime(),
    entryName,
  };
}
