import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type PlatformTables, type ReadOnly, type Trx } from '../../platform/db.js';
import type { RegistryTables } from '../registry/index.js';
import type { SessionsTables } from './tables.js';

/*
 * Raw events as a session's detail reads them: the columns of ingest's ingest_events that it
 * shows. Sessions sits below ingest (ingest pairs through sessions), so it states what it reads
 * instead of importing ingest's table type; the app root checks that it matches (src/schema.ts).
 */
export interface IngestEventsRead {
  ingest_events: {
    id: number;
    source_code: string;
    event_id: string;
    type: 'entry' | 'exit' | 'status' | 'heartbeat' | 'payment';
    lot_id: number | null;
    occurred_at: Date;
    received_at: Date;
    plate: string | null;
    via: 'api' | 'import' | 'replay' | 'connector';
    payload: Record<string, unknown>;
  };
}

/*
 * The tables parking records works on (docs/architecture.md, "Modules"): its own; read-only, the
 * registry's lots and districts (district scope, lot codes and names of every record) and the raw
 * events behind a session — reporting queries of the records list, export and detail. Functions
 * other modules call take the plain AppContext / AnyDb and narrow it with sessionsContext /
 * sessionsDb; the rest of the module takes SessionsContext / SessionsDb.
 */
type Tables = SessionsTables & ReadOnly<Pick<RegistryTables, 'lots' | 'districts'> & IngestEventsRead>;
export type SessionsDbTables = Tables & PlatformTables;
export type SessionsDb = Db<Tables>;
export type SessionsTrx = Trx<Tables>;
export type SessionsContext = AppContext<Tables>;
export const sessionsDb = (db: AnyDb): SessionsDb => tablesOf<Tables>(db);
export const sessionsContext = (ctx: AppContext): SessionsContext => contextOf<Tables>(ctx);
