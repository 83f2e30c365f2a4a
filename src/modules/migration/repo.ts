import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly } from '../../platform/db.js';
import type { AccountsTables } from '../accounts/index.js';
import type { IngestTables } from '../ingest/index.js';
import type { RegistryTables } from '../registry/index.js';
import type { SessionsTables } from '../sessions/index.js';
import type { TicketsTables } from '../tickets/index.js';
import type { MigrationTables } from './tables.js';

/*
 * The tables a migration works on (docs/architecture.md, "Modules"): its own id map and runs; and,
 * read-only, what the verification counts and sums on the platform's side — a reporting query over
 * the imported rows of the registry's lots, accounts' users, sessions' parking records, ingest's
 * payments and the tickets. Every write to those goes through their owners' index.
 */
type Tables = MigrationTables &
  ReadOnly<Pick<RegistryTables, 'lots'> & Pick<AccountsTables, 'users'> & SessionsTables & Pick<IngestTables, 'payments'> & Pick<TicketsTables, 'tickets'>>;
export type MigrationDb = Db<Tables>;
export type MigrationContext = AppContext<Tables>;
export const migrationDb = (db: AnyDb): MigrationDb => tablesOf<Tables>(db);
export const migrationContext = (ctx: AppContext): MigrationContext => contextOf<Tables>(ctx);
