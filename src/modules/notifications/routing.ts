import type { Severity } from './tables.js';
import type { NotificationsDb } from './repo.js';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export interface ChannelFilter {
  min_severity: Severity;
  /** Kind prefixes ('monitoring.', 'tickets.assigned'); empty: every kind. */
  kinds: string[];
  /** A district's channel relays what a user of that district would see: its own and city-wide notices. */
  district_code: string | null;
}

export interface RoutedNotice {
  kind: string;
  severity: Severity;
  districtCode: string | null;
}

export function channelAccepts(channel: ChannelFilter, notice: RoutedNotice): boolean {
  if (RANK[notice.severity] < RANK[channel.min_severity]) return false;
  if (channel.kinds.length && !channel.kinds.some((prefix) => notice.kind.startsWith(prefix))) return false;
  if (channel.district_code !== null && notice.districtCode !== null && notice.districtCode !== channel.district_code) return false;
  return true;
}

/** Ids of the enabled channels that relay this notice. */
export async function channelsFor(db: NotificationsDb, notice: RoutedNotice): Promise<number[]> {
  const channels = await db
    .selectFrom('notification_channels')
    .select(['id', 'min_severity', 'kinds', 'district_code'])
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
  return channels.filter((c) => channelAccepts(c, notice)).map((c) => c.id);
}
