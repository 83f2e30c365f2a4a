// The notifications API (通知, /api/v1/notifications…, /api/v1/notification-channels…) as the console uses it.
import { api } from '../../api/api';
import type { Items } from '../../api/types';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
export type ChannelType = 'email' | 'wecom' | 'dingtalk';
export const CHANNEL_TYPES: readonly ChannelType[] = ['wecom', 'dingtalk', 'email'];
/** Kind prefixes the platform's modules raise, offered as filter suggestions. */
export const KIND_SUGGESTIONS = ['monitoring.', 'tickets.', 'incidents.', 'sla.', 'auth.', 'security.', 'inspections.'];

export interface NotificationItem {
  id: number;
  kind: string;
  severity: Severity;
  title: string;
  body: string;
  link: string | null;
  districtCode: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface InboxPage {
  items: NotificationItem[];
  nextCursor: string | null;
  unreadCount: number;
}

export interface ChannelSettingsView {
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string | null;
  from?: string;
  to?: string[];
  passwordSet?: boolean;
  webhookUrl?: string | null;
  secretSet?: boolean;
}

export interface Channel {
  id: number;
  name: string;
  type: ChannelType;
  enabled: boolean;
  minSeverity: Severity;
  kinds: string[];
  districtCode: string | null;
  settings: ChannelSettingsView;
  stats: { pending: number; sent7d: number; failed7d: number; lastSentAt: string | null; lastError: string | null };
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** Settings as sent: a secret left out keeps the stored one; null clears it. */
export interface ChannelSettingsInput {
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string | null;
  password?: string | null;
  from?: string;
  to?: string[];
  webhookUrl?: string;
  secret?: string | null;
}

export interface ChannelInput {
  name?: string;
  type?: ChannelType;
  enabled?: boolean;
  minSeverity?: Severity;
  kinds?: string[];
  districtCode?: string | null;
  settings?: ChannelSettingsInput;
}

export interface TestResult {
  ok: boolean;
  httpStatus?: number;
  answer: string;
  error?: string;
}

export interface Delivery {
  id: number;
  notificationId: number;
  kind: string;
  severity: Severity;
  title: string;
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}

export const notificationsApi = {
  list: (query: { unread?: boolean; limit?: number; cursor?: string | null }) => api.get<InboxPage>('/api/v1/notifications', query),
  markRead: (id: number) => api.post<{ id: number; readAt: string; unreadCount: number }>(`/api/v1/notifications/${id}/read`),
  markAllRead: () => api.post<{ marked: number; unreadCount: number }>('/api/v1/notifications/read-all'),
};

export const channelsApi = {
  list: () => api.get<Items<Channel>>('/api/v1/notification-channels'),
  create: (body: ChannelInput) => api.post<Channel>('/api/v1/notification-channels', body),
  update: (id: number, body: ChannelInput) => api.patch<Channel>(`/api/v1/notification-channels/${id}`, body),
  remove: (id: number) => api.delete(`/api/v1/notification-channels/${id}`),
  test: (id: number) => api.post<TestResult>(`/api/v1/notification-channels/${id}/test`),
  deliveries: (id: number) => api.get<Items<Delivery>>(`/api/v1/notification-channels/${id}/deliveries`, { limit: 50 }),
};
