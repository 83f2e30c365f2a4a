// The notifications API (通知, /api/v1/notifications…, /api/v1/notification-channels…) as the console
// uses it; shapes from the OpenAPI document (web/src/api/client.ts): Schemas['NotificationChannel'] …
import { apiDelete, apiGet, apiPatch, apiPost, type BodyOf, type QueryOf, type Schemas } from '../../api/client';

export const SEVERITIES: readonly Schemas['Notification']['severity'][] = ['info', 'warning', 'critical'];
export const CHANNEL_TYPES: readonly Schemas['NotificationChannel']['type'][] = ['wecom', 'dingtalk', 'email'];
/** Kind prefixes the platform's modules raise, offered as filter suggestions. */
export const KIND_SUGGESTIONS = ['monitoring.', 'tickets.', 'incidents.', 'sla.', 'auth.', 'security.', 'inspections.'];

export const notificationsApi = {
  list: (query: QueryOf<'notificationsList'>) => apiGet('/api/v1/notifications', { query }),
  markRead: (id: number) => apiPost('/api/v1/notifications/{id}/read', { path: { id } }),
  markAllRead: () => apiPost('/api/v1/notifications/read-all'),
};

export const channelsApi = {
  list: () => apiGet('/api/v1/notification-channels'),
  create: (body: BodyOf<'notificationChannelsCreate'>) => apiPost('/api/v1/notification-channels', { body }),
  update: (id: number, body: BodyOf<'notificationChannelsUpdate'>) => apiPatch('/api/v1/notification-channels/{id}', { path: { id }, body }),
  remove: (id: number) => apiDelete('/api/v1/notification-channels/{id}', { path: { id } }),
  test: (id: number) => apiPost('/api/v1/notification-channels/{id}/test', { path: { id } }),
  deliveries: (id: number) => apiGet('/api/v1/notification-channels/{id}/deliveries', { path: { id }, query: { limit: 50 } }),
};
