import type { Actor } from '../../platform/auth/permissions.js';
import { districtScope } from '../../platform/scope.js';
import type { AnyDb } from '../../platform/db.js';
import type { LotLookups } from './lot-input.js';
import { visibleSources } from './sources.js';
import { registryDb } from './repo.js';

/**
 * Loads what lot references resolve against, once per request or import: districts, the sources
 * the actor can see, operators. These tables are small (dozens to hundreds of rows), so a whole
 * import file resolves without a query per row.
 */
export async function loadLookups(anyDb: AnyDb, actor: Actor): Promise<LotLookups> {
  const db = registryDb(anyDb);
  const scope = districtScope(actor);
  // Sequential on purpose: inside a transaction these share one connection.
  const districts = await db.selectFrom('districts').select(['code', 'name', 'name_en']).execute();
  const sources = await db.selectFrom('data_sources').select('code').where((eb) => visibleSources(eb, scope)).execute();
  const operators = await db.selectFrom('operators').select(['id', 'name']).execute();
  const districtKeys = new Map<string, string>();
  for (const d of districts) {
    districtKeys.set(d.code, d.code);
    districtKeys.set(d.name, d.code);
    // People write 崇川 for 崇川区 and 如皋 for 如皋市.
    if (d.name.length > 2) districtKeys.set(d.name.replace(/[区县市]$/, ''), d.code);
    if (d.name_en) districtKeys.set(d.name_en.toLowerCase(), d.code);
  }
  const sourceCodes = new Set(sources.map((s) => s.code));
  const operatorIds = new Set(operators.map((o) => o.id));
  const operatorNames = new Map(operators.map((o) => [o.name, o.id]));
  return {
    scope,
    district: (v) => districtKeys.get(v.trim()) ?? districtKeys.get(v.trim().toLowerCase()) ?? null,
    hasSource: (code) => sourceCodes.has(code),
    operator: (v) => {
      const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v.trim()) : null;
      if (n !== null) return operatorIds.has(n) ? n : null;
      return operatorNames.get(String(v).trim()) ?? null;
    },
  };
}
