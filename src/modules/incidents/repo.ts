import { sql, type Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { shanghaiDay } from '../../platform/time.js';
import type { IncidentsTable, IncidentsTables } from './tables.js';

/*
 * The tables the incident ledger works on (docs/architecture.md, "Modules"): its own. Functions
 * other modules call take the plain AppContext / AnyDb and narrow it with incidentsContext /
 * incidentsDb; the rest of the module takes IncidentsContext / IncidentsDb.
 */
type Tables = IncidentsTables;
export type IncidentsDb = Db<Tables>;
export type IncidentsTrx = Trx<Tables>;
export type IncidentsContext = AppContext<Tables>;
export const incidentsDb = (db: AnyDb): IncidentsDb => tablesOf<Tables>(db);
export const incidentsContext = (ctx: AppContext): IncidentsContext => contextOf<Tables>(ctx);

export type IncidentRow = Selectable<IncidentsTable>;

/**
 * Every read of incidents starts here. District scoping: a district user sees an incident when
 * its impact includes their district; city-wide incidents (no district) only the city roles.
 */
export function visibleIncidents(db: IncidentsDb, actor: Actor) {
  const scope = districtScope(actor);
  return db.selectFrom('incidents').$if(scope !== null, (q) => q.where(sql<boolean>`${scope}::text = any(incidents.scope_districts)`));
}

/** An id, or the incident code (SJ20261125-001), as the routes accept either. */
export function incidentKey(key: string | number): { id: number } | { code: string } {
  const text = String(key).trim();
  if (/^\d{1,15}$/.test(text)) return { id: Number(text) };
  return { code: text.toUpperCase() };
}

/** The incident if the actor may see it (404 otherwise); `lock` takes a row lock for a change. */
export async function findIncident(db: IncidentsDb, actor: Actor, key: string | number, lock = false): Promise<IncidentRow> {
  const k = incidentKey(key);
  let q = visibleIncidents(db, actor).selectAll('incidents');
  q = 'id' in k ? q.where('incidents.id', '=', k.id) : q.where('incidents.code', '=', k.code);
  const row = await (lock ? q.forUpdate() : q).executeTakeFirst();
  if (!row) throw notFound(`事件 / incident ${String(key)}`);
  return row;
}

/** The next code of the Shanghai day: SJ20261125-001 (事件), three digits, more when needed. */
export async function nextIncidentCode(trx: IncidentsDb, now: Date): Promise<string> {
  const day = shanghaiDay(now);
  const { last } = await trx.insertInto('incident_numbers').values({ day, last: 1 })
    .onConflict((oc) => oc.column('day').doUpdateSet({ last: sql<number>`incident_numbers.last + 1` }))
    .returning('last').executeTakeFirstOrThrow();
  return `SJ${day.replaceAll('-', '')}-${String(last).padStart(3, '0')}`;
}

/** Marks a change below the incident (an action, a link, feedback) and returns the row as now. */
export async function touchIncident(trx: IncidentsDb, id: number, now: Date): Promise<IncidentRow> {
  return trx.updateTable('incidents').set({ updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}
