import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly, type Trx } from '../../platform/db.js';
import type { IngestTables } from '../ingest/index.js';
import type { RegistryTables } from '../registry/index.js';
import type { SessionsTables } from '../sessions/index.js';
import type { QualityTables } from './tables.js';

/*
 * The tables data cleaning works on (docs/architecture.md, "Modules"): its own; read-only, the
 * registry's lots and sources, parking sessions and space status reports — reporting queries: the
 * rules scan them in bulk, in SQL (detect.ts, scores.ts); changes go through the owners'
 * corrections (sessions, ingest) and the registry's updateLot. Functions other modules call take
 * the plain AppContext / AnyDb and narrow it with qualityContext / qualityDb; the rest of the
 * module takes QualityContext / QualityDb.
 */
type Tables = QualityTables &
  ReadOnly<Pick<RegistryTables, 'lots' | 'data_sources'> & Pick<SessionsTables, 'parking_sessions'> & Pick<IngestTables, 'lot_status_reports'>>;
export type QualityDb = Db<Tables>;
export type QualityTrx = Trx<Tables>;
export type QualityContext = AppContext<Tables>;
export const qualityDb = (db: AnyDb): QualityDb => tablesOf<Tables>(db);
export const qualityContext = (ctx: AppContext): QualityContext => contextOf<Tables>(ctx);
