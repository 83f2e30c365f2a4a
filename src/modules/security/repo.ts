import type { Selectable } from 'kysely';
import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly } from '../../platform/db.js';
import type { AccountsTables } from '../accounts/index.js';
import type { SecurityTables, SecurityVulnerabilitiesTable } from './tables.js';

/*
 * The tables security operations work on (docs/architecture.md, "Modules"): its own; read-only,
 * the accounts' users (the permission review lists every account; changes go through the
 * accounts module's updateUser). Functions the jobs and the CLI call take the plain AppContext
 * and narrow it here.
 */
type Tables = SecurityTables & ReadOnly<Pick<AccountsTables, 'users'>>;
export type SecurityDb = Db<Tables>;
export type SecurityContext = AppContext<Tables>;
export const securityDb = (db: AnyDb): SecurityDb => tablesOf<Tables>(db);
export const securityContext = (ctx: AppContext): SecurityContext => contextOf<Tables>(ctx);

export type VulnRow = Selectable<SecurityVulnerabilitiesTable>;
