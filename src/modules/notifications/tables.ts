import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export type Severity = 'info' | 'warning' | 'critical';
export type ChannelType = 'email' | 'wecom' | 'dingtalk';
/** The language a channel's recipients read (migration 0033). */
export type NoticeLanguage = 'zh-CN' | 'en';
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'cancelled';

export interface NotificationsTable {
  id: Generated<number>;
  kind: string;
  severity: Severity;
  /** Chinese. */
  title: string;
  body: string;
  /** English, when the module gave it (migration 0033). */
  title_en: ColumnType<string | null, string | null | undefined, string | null>;
  body_en: ColumnType<string | null, string | null | undefined, string | null>;
  link: string | null;
  district_code: string | null;
  created_at: Date;
}

export interface NotificationRecipientsTable {
  notification_id: number;
  user_id: number;
  read_at: Date | null;
}

/** What of a channel's configuration may be shown; secrets live sealed in `secrets_sealed`. */
export interface ChannelSettings {
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string | null;
  from?: string;
  to?: string[];
}

/** The sealed part, as JSON inside `secrets_sealed`. */
export interface ChannelSecrets {
  password?: string | null;
  webhookUrl?: string;
  secret?: string | null;
}

export interface NotificationChannelsTable {
  id: Generated<number>;
  name: string;
  type: ChannelType;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  min_severity: Severity;
  kinds: ColumnType<string[], string[] | undefined, string[]>;
  district_code: string | null;
  language: ColumnType<NoticeLanguage, NoticeLanguage | undefined, NoticeLanguage>;
  settings: JSONColumnType<ChannelSettings, string, string>;
  secrets_sealed: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface NotificationDeliveriesTable {
  id: Generated<number>;
  notification_id: number;
  channel_id: number;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: Date;
  claimed_until: Date | null;
  claimed_by: string | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  sent_at: Date | null;
  created_at: Date;
}

export interface NotificationsTables {
  notifications: NotificationsTable;
  notification_recipients: NotificationRecipientsTable;
  notification_channels: NotificationChannelsTable;
  notification_deliveries: NotificationDeliveriesTable;
}
