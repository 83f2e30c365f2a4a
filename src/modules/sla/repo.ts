import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import type { SlaTables } from './tables.js';

/*
 * The tables the SLA engine works on (docs/architecture.md, "Modules"): its own. Functions other
 * modules call take the plain AppContext / AnyDb and narrow it with slaContext / slaDb; the rest
 * of the module takes SlaContext / SlaDb.
 */
type Tables = SlaTables;
export type SlaDb = Db<Tables>;
export type SlaTrx = Trx<Tables>;
export type SlaContext = AppContext<Tables>;
export const slaDb = (db: AnyDb): SlaDb => tablesOf<Tables>(db);
export const slaContext = (ctx: AppContext): SlaContext => contextOf<Tables>(ctx);
