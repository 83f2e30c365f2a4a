/*
 * 欠费追缴 (arrears recovery): the module's only entry for app.ts and other modules. The ledger
 * of what plates owe over every lot, citizens' bills paid through the payment channels, the
 * settlement when a channel's payment arrives, escalation, write-offs and KPIs
 * (docs/用户手册.md 第 24 章, docs/指标口径.md, docs/支付通道接入.md).
 */
export { arrearsRoutes } from './routes.js';
export { arrearsPaidListener, arrearsRefundListener, billForPlate, billOfPlate, citizenArrears, sandboxPayBill, settledSessions, type BillView } from './bills.js';
export { Bill as BillSchema, BillParams } from './schemas.js';
export type { ArrearsTables } from './tables.js';
