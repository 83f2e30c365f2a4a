/*
 * Notifications (通知) — the module's public entry. Every module raises notices with notify()
 * inside its own transaction; the jobs deliver and prune.
 */
export { notificationsRoutes } from './routes.js';
export { notify, type Notice, type NoticeSeverity } from './service.js';
export { deliverPending, pruneNotifications } from './delivery.js';
export type { NotificationsTables } from './tables.js';
