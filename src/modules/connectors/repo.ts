import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import type { ConnectorsTables } from './tables.js';

/*
 * The tables the connectors module works on (docs/architecture.md, "Modules"): its own. What it
 * pulls is written through ingest's index (ingestBatch), never into ingest's tables directly.
 */
type Tables = ConnectorsTables;
export type ConnectorsDb = Db<Tables>;
export type ConnectorsTrx = Trx<Tables>;
export type ConnectorsContext = AppContext<Tables>;
export const connectorsDb = (db: AnyDb): ConnectorsDb => tablesOf<Tables>(db);
export const connectorsContext = (ctx: AppContext): ConnectorsContext => contextOf<Tables>(ctx);
