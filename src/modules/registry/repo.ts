import type { Selectable, Updateable } from 'kysely';
import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import type { LotValues } from './lot-input.js';
import type { LotsTable, RegistryTables } from './tables.js';

/*
 * The tables the registry works on (docs/architecture.md, "Modules"): its own. Functions other
 * modules call take the plain AppContext / AnyDb and narrow it with registryContext / registryDb;
 * the rest of the module takes RegistryContext / RegistryDb.
 */
type Tables = RegistryTables;
export type RegistryDb = Db<Tables>;
export type RegistryTrx = Trx<Tables>;
export type RegistryContext = AppContext<Tables>;
export const registryDb = (db: AnyDb): RegistryDb => tablesOf<Tables>(db);
export const registryContext = (ctx: AppContext): RegistryContext => contextOf<Tables>(ctx);

/*
 * Storage mapping shared by single-lot writes and the import: both must write, compare and
 * audit a lot the same way.
 */

export type LotRow = Selectable<LotsTable>;

const COLUMNS: Record<keyof LotValues, keyof LotsTable> = {
  code: 'code',
  name: 'name',
  districtCode: 'district_code',
  kind: 'kind',
  category: 'category',
  totalSpaces: 'total_spaces',
  address: 'address',
  lng: 'lng',
  lat: 'lat',
  inputCoordSystem: 'input_coord_system',
  sourceCode: 'source_code',
  operatorId: 'operator_id',
  status: 'status',
  remark: 'remark',
  lateThresholdMinutes: 'late_threshold_minutes',
};
const FIELDS = Object.keys(COLUMNS) as (keyof LotValues)[];

export function rowValues(row: LotRow): LotValues {
  const out = {} as Record<string, unknown>;
  for (const f of FIELDS) out[f] = row[COLUMNS[f]];
  return out as unknown as LotValues;
}

function toColumns(values: Partial<LotValues>): Updateable<LotsTable> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (values[f] !== undefined) out[COLUMNS[f]] = values[f];
  return out as Updateable<LotsTable>;
}

const same = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) < 1e-9 : a === b;

/** The fields of `next` that differ from `current`, as { before, after } halves for the audit. */
export function lotChanges(current: LotValues, next: Partial<LotValues>): { before: Partial<LotValues>; after: Partial<LotValues> } | null {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  // The same position sent in another system (an exported sheet says gcj02) is no change.
  const moved = (next.lng !== undefined && !same(current.lng, next.lng)) || (next.lat !== undefined && !same(current.lat, next.lat));
  for (const f of FIELDS) {
    if (next[f] === undefined || same(current[f], next[f]) || (f === 'inputCoordSystem' && !moved)) continue;
    before[f] = current[f];
    after[f] = next[f];
  }
  return Object.keys(after).length ? { before: before as Partial<LotValues>, after: after as Partial<LotValues> } : null;
}

export async function insertLot(db: RegistryDb, values: LotValues, now: Date): Promise<LotRow> {
  const cols = toColumns(values) as LotRow;
  return db
    .insertInto('lots')
    .values({ ...cols, code: values.code, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateLotRow(db: RegistryDb, id: number, changes: Partial<LotValues>, now: Date): Promise<LotRow> {
  return db
    .updateTable('lots')
    .set({ ...toColumns(changes), updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A lot that has berths cannot stop being on-street: the berths would be orphaned. */
export async function berthCount(db: RegistryDb, lotId: number): Promise<number> {
  const r = await db.selectFrom('berths').select((eb) => eb.fn.countAll<number>().as('n')).where('lot_id', '=', lotId).executeTakeFirst();
  return Number(r?.n ?? 0);
}
