import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly, type Trx } from '../../platform/db.js';
import type { IngestTables } from '../ingest/index.js';
import type { RegistryTables } from '../registry/index.js';
import type { MonitoringTables } from './tables.js';

/*
 * The tables monitoring works on (docs/architecture.md, "Modules"): its own; read-only, the
 * registry's lots, districts, sources and operators and ingest's events and freshness (lot_live,
 * source_live) — reporting queries: freshness, receipts, the timeline and the monthly sync report
 * read them in bulk, in SQL. Functions other modules call take the plain AppContext / AnyDb and
 * narrow it with monitoringContext / monitoringDb; the rest of the module takes MonitoringContext
 * / MonitoringDb.
 */
type Tables = MonitoringTables &
  ReadOnly<Pick<RegistryTables, 'lots' | 'districts' | 'data_sources' | 'operators'> & Pick<IngestTables, 'ingest_events' | 'lot_live' | 'source_live'>>;
export type MonitoringDb = Db<Tables>;
export type MonitoringTrx = Trx<Tables>;
export type MonitoringContext = AppContext<Tables>;
export const monitoringDb = (db: AnyDb): MonitoringDb => tablesOf<Tables>(db);
export const monitoringContext = (ctx: AppContext): MonitoringContext => contextOf<Tables>(ctx);
