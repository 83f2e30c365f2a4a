/*
 * Per-table row counts and order-independent checksums (docs/decisions/0015-backup-format.md):
 * the checksum of a table is the sum, as an exact numeric, of the first 60 bits of md5 of each
 * row's text form — the same rows in any order, on any page, give the same sum; one changed
 * value changes it. Row text depends on session settings, so they are pinned first (UTC, ISO
 * dates, the default float digits) on the connection used.
 */

export interface TableStat {
  table: string;
  rows: number;
  checksum: string;
}

/** Runs one SQL statement and returns its rows. */
export type RunSql = (text: string) => Promise<Record<string, unknown>[]>;

export const PIN_SETTINGS = [
  "set timezone = 'UTC'",
  "set datestyle = 'ISO, YMD'",
  "set intervalstyle = 'postgres'",
  'set extra_float_digits = 1',
  "set bytea_output = 'hex'",
];

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** `local`: inside a transaction on a shared connection (the server's own PGlite), the pins end with it. */
export async function tableStats(run: RunSql, opts: { local?: boolean } = {}): Promise<TableStat[]> {
  for (const s of PIN_SETTINGS) await run(opts.local ? s.replace(/^set /, 'set local ') : s);
  const tables = await run(`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' order by c.relname collate "C"`);
  const out: TableStat[] = [];
  for (const { name } of tables) {
    const table = String(name);
    const [r] = await run(`select count(*)::text as n, coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text as s from public.${ident(table)} as t`);
    out.push({ table, rows: Number(r!.n), checksum: String(r!.s) });
  }
  return out;
}

export interface StatDiff {
  table: string;
  expectedRows: number | null;
  actualRows: number | null;
  ok: boolean;
}

/** Table by table, the manifest against the restored copy; a table missing on either side differs. */
export function compareStats(expected: TableStat[], actual: TableStat[]): StatDiff[] {
  const a = new Map(actual.map((s) => [s.table, s]));
  const e = new Map(expected.map((s) => [s.table, s]));
  const names = [...new Set([...e.keys(), ...a.keys()])].sort();
  return names.map((table) => {
    const x = e.get(table);
    const y = a.get(table);
    return { table, expectedRows: x?.rows ?? null, actualRows: y?.rows ?? null, ok: !!x && !!y && x.rows === y.rows && x.checksum === y.checksum };
  });
}
