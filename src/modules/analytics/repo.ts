import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly, type Trx } from '../../platform/db.js';
import type { IngestTables } from '../ingest/index.js';
import type { RegistryTables } from '../registry/index.js';
import type { SessionsTables } from '../sessions/index.js';
import type { AnalyticsTables } from './tables.js';

/*
 * The tables analytics works on (docs/architecture.md, "Modules"): its rollups; read-only, the
 * registry's lots, districts and sources, parking sessions and space status reports — reporting
 * queries: the rollups are recomputed from the raw rows in SQL, and the KPIs divide by the
 * registry's current spaces. Functions other modules call take the plain AppContext / AnyDb and
 * narrow it with analyticsContext / analyticsDb; the rest of the module takes AnalyticsContext /
 * AnalyticsDb.
 */
type Tables = AnalyticsTables &
  ReadOnly<Pick<RegistryTables, 'lots' | 'districts' | 'data_sources'> & Pick<SessionsTables, 'parking_sessions'> & Pick<IngestTables, 'lot_status_reports'>>;
export type AnalyticsDb = Db<Tables>;
export type AnalyticsTrx = Trx<Tables>;
export type AnalyticsContext = AppContext<Tables>;
export const analyticsDb = (db: AnyDb): AnalyticsDb => tablesOf<Tables>(db);
export const analyticsContext = (ctx: AppContext): AnalyticsContext => contextOf<Tables>(ctx);
