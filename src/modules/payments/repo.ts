import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type Trx } from '../../platform/db.js';
import type { PaymentsTables } from './tables.js';

/*
 * Data access of the payments module: only its own tables (pay_*). What is paid (arrears of a
 * session, a booking) is named by an order's kind and ref; the modules that own those read the
 * orders through this module's index (docs/支付通道接入.md, "支付订单").
 */
type Tables = PaymentsTables;
export type PaymentsDb = Db<Tables>;
export type PaymentsTrx = Trx<Tables>;
export type PaymentsContext = AppContext<Tables>;
export const paymentsDb = (db: AnyDb): PaymentsDb => tablesOf<Tables>(db);
export const paymentsContext = (ctx: AppContext): PaymentsContext => contextOf<Tables>(ctx);
