/*
 * 支付通道 (payment channels): the module's only entry for app.ts and other modules. The
 * contract for the channels and integrators is docs/支付通道接入.md. Modules that own what is
 * paid (arrears, bookings) create orders and read their settlement through here.
 */
export { paymentsRoutes, notifyPath } from './routes.js';
export { ensureSandboxChannel } from './channels.js';
export { BILLS_JOB, importBillFolder } from './bill-folder.js';
export { createOrder, getOrder, orderSettlement, sandboxPay, sandboxRefund, channelKindOf, type NewOrder, type OrderLot, type OrderView } from './orders.js';
export { onOrderPaid, onOrderRefunded, type OrderPaid, type OrderPaidListener, type OrderRefunded, type OrderRefundedListener } from './paid-listeners.js';
// Channel revenue for analytics (docs/指标口径.md §2.11), district-scoped here.
export { channelRevenue, type ChannelRevenueKey, type ChannelRevenueQuery, type ChannelRevenueRow } from './channel-revenue.js';
export { listTransactions, type TransactionView } from './transactions.js';
export { yuanToFen, fenToYuan } from './money.js';
export { ORDER_KINDS, CHANNEL_KINDS, type OrderKind, type ChannelKind } from './vocab.js';
export type { PaymentsTables } from './tables.js';
/** Channel-side signing (the sandbox, the demo and tests play the channel with their own keys). */
export { signAlipay } from './alipay.js';
export { encryptResource as encryptWechatResource, signNotification as signWechatNotification } from './wechat.js';
// Its documents as the report centre lists them (docs/巡检与报告.md §5).
export { reportCatalogue } from './report-catalogue.js';
