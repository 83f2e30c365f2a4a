import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { checkLot, type CheckLotOptions, type FieldIssue, type LotValues } from './lot-input.js';
import { berthCount, insertLot, lotChanges, rowValues, updateLotRow, type LotRow, type RegistryContext, type RegistryDb, registryContext } from './repo.js';
import type { LotSheet } from './lot-file.js';
import { loadLookups } from './lookups.js';
import { sheetImportResult, type ImportRowStatus, type SheetImportResult } from '../../platform/sheet-import.js';

/*
 * Bulk create-or-update of lots from a sheet. Every row is judged on its own and reported with
 * all its problems; the good rows are applied together in one transaction (each audited), the
 * bad ones are left out. A dry run gives the same report and writes nothing.
 *
 * An empty cell in an existing lot's row keeps the stored value: blank means "not given", so a
 * partial sheet cannot wipe addresses or sources by accident.
 */

export type { ImportRowStatus };

export interface ImportRowResult {
  row: number;
  code: string | null;
  status: ImportRowStatus;
  errors: FieldIssue[];
  warnings: FieldIssue[];
}

export type ImportResult = SheetImportResult<ImportRowResult>;

type Planned =
  | { kind: 'create'; values: LotValues }
  | { kind: 'update'; row: LotRow; changes: NonNullable<ReturnType<typeof lotChanges>> }
  | null;

/** What creating a lot under a taken code is told, by the API (createLot) and here alike. */
const codeTaken = (code: string): FieldIssue => ({ field: 'code', code: 'DUPLICATE', message: `停车场编码已存在 / lot code ${code} already exists` });

async function existingLots(db: RegistryDb, codes: string[]): Promise<Map<string, LotRow>> {
  const out = new Map<string, LotRow>();
  for (let i = 0; i < codes.length; i += 1000) {
    const rows = await db.selectFrom('lots').selectAll().where('code', 'in', codes.slice(i, i + 1000)).execute();
    for (const r of rows) out.set(r.code, r);
  }
  return out;
}

export async function importLots(anyCtx: AppContext, actor: Actor, sheet: LotSheet, opts: { dryRun: boolean; fileName?: string } & CheckLotOptions): Promise<ImportResult> {
  const ctx = registryContext(anyCtx);
  return ctx.db.transaction().execute(async (trx) => {
    const lookups = await loadLookups(trx, actor);
    const codeOf = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : null);
    const codes = [...new Set(sheet.rows.map((r) => codeOf(r.input.code)).filter((c): c is string => !!c))];
    const existing = await existingLots(trx, codes);
    const seen = new Set<string>();
    const results: ImportRowResult[] = [];
    const plans: Planned[] = [];

    for (const { row, input } of sheet.rows) {
      const code = codeOf(input.code);
      const found = code ? existing.get(code) : undefined;
      // A lot of another district does not exist for a district user (docs/architecture.md,
      // district scoping): its code is judged as a new one, and only if the row would otherwise be
      // created is it refused, as creating any taken code is (POST /lots: DUPLICATE) — never a
      // word of whose lot it is (security review, finding 15).
      const hidden = !!found && lookups.scope !== null && found.district_code !== lookups.scope;
      const current = hidden ? undefined : found;
      let plan: Planned = null;
      let status: ImportRowStatus;
      const errors: FieldIssue[] = [];
      let warnings: FieldIssue[];
      if (current) {
        const checked = checkLot({ ...input, code: undefined }, 'patch', lookups);
        errors.push(...checked.issues);
        warnings = checked.warnings;
        const changes = lotChanges(rowValues(current), checked.values);
        if (changes?.after.kind === 'off_street' && current.kind === 'on_street' && (await berthCount(trx, current.id)) > 0) {
          errors.push({ field: 'kind', code: 'HAS_BERTHS', message: '该路段仍有泊位，不能改为场库 / the lot has berths; it cannot become off-street' });
        }
        if (changes) plan = { kind: 'update', row: current, changes };
      } else {
        const checked = checkLot(input, 'create', lookups, { coordinatesOptional: opts.coordinatesOptional });
        errors.push(...checked.issues);
        warnings = checked.warnings;
        plan = { kind: 'create', values: checked.values as LotValues };
        if (hidden && !errors.length) errors.push(codeTaken(code!));
      }
      if (code && seen.has(code)) {
        errors.push({ field: 'code', code: 'DUPLICATE_IN_FILE', message: `编码 ${code} 在文件中重复出现，仅处理第一次 / code ${code} appears earlier in the file` });
      }
      if (code) seen.add(code);
      if (errors.length) {
        status = 'rejected';
        plan = null;
      } else status = plan === null ? 'unchanged' : plan.kind === 'create' ? 'created' : 'updated';
      results.push({ row, code, status, errors, warnings });
      plans.push(plan);
    }

    if (!opts.dryRun) await applyPlans(ctx, trx, actor, plans);
    const result = sheetImportResult(opts.dryRun, results);
    if (!opts.dryRun) {
      const { rows: _rows, ...summary } = result;
      await audit(ctx, trx, actor, { action: 'lot.import', targetType: 'lot', detail: { fileName: opts.fileName ?? null, ...summary } });
    }
    return result;
  });
}

async function applyPlans(ctx: RegistryContext, trx: RegistryDb, actor: Actor, plans: Planned[]): Promise<void> {
  const now = ctx.clock.now();
  for (const plan of plans) {
    if (plan?.kind === 'create') {
      await insertLot(trx, plan.values, now);
      await audit(ctx, trx, actor, { action: 'lot.import.create', targetType: 'lot', targetId: plan.values.code, detail: { after: plan.values } });
    } else if (plan?.kind === 'update') {
      await updateLotRow(trx, plan.row.id, plan.changes.after, now);
      await audit(ctx, trx, actor, { action: 'lot.import.update', targetType: 'lot', targetId: plan.row.code, detail: plan.changes });
    }
  }
}
