import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import type { NotificationsTables } from './tables.js';

/*
 * The tables notifications works on (docs/architecture.md, "Modules"): its own. Functions other
 * modules call take the plain AppContext / AnyDb and narrow it with notificationsContext /
 * notificationsDb; the rest of the module takes NotificationsContext / NotificationsDb.
 */
type Tables = NotificationsTables;
export type NotificationsDb = Db<Tables>;
export type NotificationsTrx = Trx<Tables>;
export type NotificationsContext = AppContext<Tables>;
export const notificationsDb = (db: AnyDb): NotificationsDb => tablesOf<Tables>(db);
export const notificationsContext = (ctx: AppContext): NotificationsContext => contextOf<Tables>(ctx);
