import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { shanghaiDay } from '../../platform/time.js';
import { type FieldIssue, loadLookups } from '../registry/index.js';
import { checkEntry, type EntryValues } from './entry-input.js';
import { checkNote, connectIfLinked, entryChanges, insertEntry, rowColumns, rowValues, type EntryRow } from './entries.js';
import type { EntrySheet } from './entry-sheet.js';
import { lotsByCode } from './live-lots.js';
import type { OnboardingStage } from './tables.js';
import { parseStage } from './vocab.js';
import { sheetImportResult, type ImportRowStatus, type SheetImportResult } from '../../platform/sheet-import.js';
import type { OnboardingContext, OnboardingDb } from './repo.js';

/*
 * Bulk create-or-update of onboarding entries from a county's candidate list, as the registry's
 * lot import does it: every row judged on its own and reported with all its problems, the good
 * rows applied together in one transaction (each audited), a dry run reporting the same and
 * writing nothing. Rows match existing entries by district and name; a blank cell keeps the
 * stored value. A stage that differs from the stored one is a stage change dated today, with the
 * row's 进展说明 as its note; the same note again adds nothing, so a re-import is a no-op. A
 * connected entry keeps its stage whatever the sheet says (an older list must not undo it).
 */

export type { ImportRowStatus };

export interface ImportRowResult {
  row: number;
  name: string | null;
  districtCode: string | null;
  status: ImportRowStatus;
  errors: FieldIssue[];
  warnings: FieldIssue[];
}

export type ImportResult = SheetImportResult<ImportRowResult>;

type Plan =
  | { kind: 'create'; values: EntryValues; note: string | null }
  | { kind: 'update'; row: EntryRow; changes: ReturnType<typeof entryChanges>; stage: OnboardingStage | null; note: string | null }
  | null;

const IMPORT_NOTE = '批量导入 / imported';

async function existingEntries(db: OnboardingDb, scope: string | null): Promise<Map<string, EntryRow>> {
  const rows = await db.selectFrom('onboarding_entries').selectAll().$if(scope !== null, (qb) => qb.where('district_code', '=', scope!)).forUpdate().execute();
  return new Map(rows.map((r) => [`${r.district_code}\u0000${r.name}`, r]));
}

async function latestNotes(db: OnboardingDb, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!ids.length) return out;
  const rows = await db.selectFrom('onboarding_stage_changes').select(['entry_id', 'note']).where('entry_id', 'in', ids).where('note', 'is not', null).orderBy('changed_on').orderBy('id').execute();
  for (const r of rows) out.set(r.entry_id, r.note!);
  return out;
}

export async function importEntries(ctx: OnboardingContext, actor: Actor, sheet: EntrySheet, opts: { dryRun: boolean; fileName?: string }): Promise<ImportResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const lookups = await loadLookups(trx, actor);
    const existing = await existingEntries(trx, lookups.scope);
    const lotCodes = sheet.rows.map((r) => r.input.lotCode).filter((c) => c !== undefined).map((c) => String(c).trim());
    const lots = await lotsByCode(trx, actor, lotCodes);
    const linkedTo = new Map([...existing.values()].filter((e) => e.lot_code).map((e) => [e.lot_code!, e]));
    const notes = await latestNotes(trx, [...existing.values()].map((e) => e.id));
    const seen = new Set<string>();
    const claimedLots = new Set<string>();
    const results: ImportRowResult[] = [];
    const plans: Plan[] = [];

    for (const { row, input } of sheet.rows) {
      const { note: noteCell, stage: stageCell, ...fields } = input;
      const errors: FieldIssue[] = [];
      let warnings: FieldIssue[];
      let note: string | null = null;
      try {
        note = checkNote(noteCell === undefined ? undefined : String(noteCell), false);
      } catch (e) {
        errors.push({ field: 'note', code: 'INVALID_NOTE', message: (e as Error).message });
      }
      const key = checkEntry({ name: fields.name, districtCode: fields.districtCode }, 'patch', lookups).values;
      const current = key.name && key.districtCode ? existing.get(`${key.districtCode}\u0000${key.name}`) : undefined;
      let plan: Plan = null;
      let values: Partial<EntryValues>;
      if (current) {
        const checked = checkEntry(fields, 'patch', lookups);
        errors.push(...checked.issues);
        warnings = checked.warnings;
        values = checked.values;
        let stage: OnboardingStage | null = null;
        if (stageCell !== undefined) {
          stage = parseStage(String(stageCell));
          if (!stage) errors.push({ field: 'stage', code: 'INVALID_STAGE', message: '阶段须为 未启动/联系中/对接中/测试中/已接入/暂停 / unknown stage' });
        }
        let changedStage = stage !== null && stage !== current.stage ? stage : null;
        if (changedStage && current.stage === 'connected') {
          // An older list must not undo a connection; moving a connected entry back is a deliberate act in the console.
          warnings.push({ field: 'stage', code: 'STAGE_KEPT', message: '该条目已接入，导入不改变其阶段 / the entry is connected; the import leaves its stage' });
          changedStage = null;
        }
        const newNote = note !== null && note !== notes.get(current.id) ? note : null;
        const changes = entryChanges(rowValues(current), values);
        if (changes || changedStage || newNote) plan = { kind: 'update', row: current, changes, stage: changedStage ?? (newNote ? current.stage : null), note: newNote };
      } else {
        const checked = checkEntry({ ...fields, stage: stageCell }, 'create', lookups);
        errors.push(...checked.issues);
        warnings = checked.warnings;
        values = checked.values;
        plan = { kind: 'create', values: values as EntryValues, note };
      }

      const districtCode = values.districtCode ?? current?.district_code ?? null;
      const lotCode = values.lotCode === undefined ? (current?.lot_code ?? null) : values.lotCode;
      if (values.lotCode && districtCode) errors.push(...linkProblems(values.lotCode, districtCode, current?.id ?? null, lots, linkedTo, claimedLots));
      const finalStage = plan?.kind === 'create' ? plan.values.stage : plan?.kind === 'update' ? (plan.stage ?? current!.stage) : current?.stage;
      if (finalStage === 'connected' && current?.stage !== 'connected' && !lotCode) {
        errors.push({ field: 'stage', code: 'LOT_LINK_REQUIRED', message: '标记为已接入须填写停车场编码 / connected needs the registry lot code' });
      }
      const name = values.name ?? key.name ?? null;
      if (name && districtCode) {
        const k = `${districtCode}\u0000${name}`;
        if (seen.has(k)) errors.push({ field: 'name', code: 'DUPLICATE_IN_FILE', message: `「${name}」在文件中重复出现，仅处理第一次 / ${name} appears earlier in the file` });
        seen.add(k);
      }
      if (values.lotCode) claimedLots.add(values.lotCode);
      let status: ImportRowStatus;
      if (errors.length) {
        status = 'rejected';
        plan = null;
      } else status = plan === null ? 'unchanged' : plan.kind === 'create' ? 'created' : 'updated';
      results.push({ row, name, districtCode, status, errors, warnings });
      plans.push(plan);
    }

    if (!opts.dryRun) await applyPlans(ctx, trx, actor, plans);
    const result = sheetImportResult(opts.dryRun, results);
    if (!opts.dryRun) {
      const { rows: _rows, ...summary } = result;
      await audit(ctx, trx, actor, { action: 'onboarding.import', targetType: 'onboarding_entry', detail: { fileName: opts.fileName ?? null, ...summary } });
    }
    return result;
  });
}

function linkProblems(
  lotCode: string, districtCode: string, entryId: number | null, lots: Map<string, { districtCode: string }>, linkedTo: Map<string, EntryRow>, claimed: Set<string>,
): FieldIssue[] {
  const lot = lots.get(lotCode);
  if (!lot) return [{ field: 'lotCode', code: 'UNKNOWN_LOT', message: `停车场 ${lotCode} 不存在 / no lot ${lotCode}` }];
  if (lot.districtCode !== districtCode) return [{ field: 'lotCode', code: 'LOT_DISTRICT_MISMATCH', message: `停车场 ${lotCode} 不属于该县市区 / lot ${lotCode} is in another district` }];
  const other = linkedTo.get(lotCode);
  if ((other && other.id !== entryId) || claimed.has(lotCode)) {
    return [{ field: 'lotCode', code: 'LOT_ALREADY_LINKED', message: `停车场 ${lotCode} 已关联到其他接入条目 / lot ${lotCode} is linked to another entry` }];
  }
  return [];
}

async function applyPlans(ctx: OnboardingContext, trx: OnboardingDb, actor: Actor, plans: Plan[]): Promise<void> {
  const now = ctx.clock.now();
  const today = shanghaiDay(now);
  for (const plan of plans) {
    if (plan?.kind === 'create') {
      const id = await insertEntry(ctx, trx, actor, plan.values, plan.note);
      await audit(ctx, trx, actor, { action: 'onboarding.import.create', targetType: 'onboarding_entry', targetId: id, detail: { after: plan.values, note: plan.note } });
      await connectIfLinked(ctx, trx, id, plan.values.lotCode);
    } else if (plan?.kind === 'update') {
      const { row } = plan;
      const set = { ...(plan.changes ? rowColumns(plan.changes.after) : {}), updated_at: now };
      if (plan.stage) Object.assign(set, { stage: plan.stage, stage_on: today });
      await trx.updateTable('onboarding_entries').set(set).where('id', '=', row.id).execute();
      if (plan.stage) {
        await trx
          .insertInto('onboarding_stage_changes')
          .values({ entry_id: row.id, from_stage: row.stage, to_stage: plan.stage, changed_on: today, at: now, actor: actor.username, note: plan.note ?? IMPORT_NOTE, system: false })
          .execute();
      }
      const stage = plan.stage ? { from: row.stage, to: plan.stage, note: plan.note ?? IMPORT_NOTE } : undefined;
      await audit(ctx, trx, actor, { action: 'onboarding.import.update', targetType: 'onboarding_entry', targetId: row.id, detail: { ...(plan.changes ?? {}), stage } });
      if (plan.changes?.after.lotCode) await connectIfLinked(ctx, trx, row.id, plan.changes.after.lotCode);
    }
  }
}
