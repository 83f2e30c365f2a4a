/*
 * Notifications (通知) — the module's public entry. Modules raise notices with `notify` of
 * src/platform/notices.ts, which reaches the outbox below through the context (the app root puts
 * noticeOutbox there); the jobs deliver and prune.
 */
export { notificationsRoutes } from './routes.js';
export { noticeOutbox, notify, recordNotice } from './service.js';
export { deliverPending, pruneNotifications } from './delivery.js';
// The https endpoints of enabled channels (host and port only), for the inspection's certificate check.
export { tlsEndpoints } from './endpoints.js';
export type { NotificationsTables } from './tables.js';
