import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import type { AccountsTables } from './tables.js';

/*
 * The tables accounts works on (docs/architecture.md, "Modules"): its own. Functions other modules
 * call take the plain AppContext / AnyDb and narrow it with accountsContext / accountsDb; the rest
 * of the module takes AccountsContext / AccountsDb.
 */
type Tables = AccountsTables;
export type AccountsDb = Db<Tables>;
export type AccountsTrx = Trx<Tables>;
export type AccountsContext = AppContext<Tables>;
export const accountsDb = (db: AnyDb): AccountsDb => tablesOf<Tables>(db);
export const accountsContext = (ctx: AppContext): AccountsContext => contextOf<Tables>(ctx);
