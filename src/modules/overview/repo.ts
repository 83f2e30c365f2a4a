import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly, type Trx } from '../../platform/db.js';
import type { IngestTables } from '../ingest/index.js';
import type { RegistryTables } from '../registry/index.js';

/*
 * The tables the overview works on (docs/architecture.md, "Modules"): none of its own; read-only,
 * the registry's lots with ingest's newest status of each (lot_live) — a reporting query
 * (lots.ts); everything else comes through the other modules' indexes. Functions other modules
 * call take the plain AppContext / AnyDb and narrow it with overviewContext / overviewDb; the rest
 * of the module takes OverviewContext / OverviewDb.
 */
type Tables = ReadOnly<Pick<RegistryTables, 'lots'> & Pick<IngestTables, 'lot_live'>>;
export type OverviewDb = Db<Tables>;
export type OverviewTrx = Trx<Tables>;
export type OverviewContext = AppContext<Tables>;
export const overviewDb = (db: AnyDb): OverviewDb => tablesOf<Tables>(db);
export const overviewContext = (ctx: AppContext): OverviewContext => contextOf<Tables>(ctx);
