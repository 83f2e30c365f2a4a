import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import type { IngestTables } from './tables.js';

/*
 * The tables ingest works on (docs/architecture.md, "Modules"): its own. Functions other modules
 * call take the plain AppContext / AnyDb and narrow it with ingestContext / ingestDb; the rest of
 * the module takes IngestContext / IngestDb.
 */
type Tables = IngestTables;
export type IngestDb = Db<Tables>;
export type IngestTrx = Trx<Tables>;
export type IngestContext = AppContext<Tables>;
export const ingestDb = (db: AnyDb): IngestDb => tablesOf<Tables>(db);
export const ingestContext = (ctx: AppContext): IngestContext => contextOf<Tables>(ctx);
