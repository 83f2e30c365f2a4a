// Tag colours and label helpers of the sync-monitoring page.
import { useI18n } from 'vue-i18n';
import { splitMinutes } from '../records/format';
import type { TagType } from '../registry/labels';
import type { Schemas } from '../../api/client';
import { formatNumber } from '../../utils/format';

export const stateTag: Record<Schemas['FreshnessItem']['state'] | Schemas['SourceFreshnessItem']['state'], TagType> = {
  ok: 'success',
  partial: 'warning',
  late: 'danger',
  never: 'info',
  paused: 'primary',
};

export const alertStateTag: Record<Schemas['MonitoringAlert']['state'], TagType> = { open: 'danger', acknowledged: 'warning', resolved: 'success' };

/** Label helpers bound to the current locale. */
export function useMonitoringLabels() {
  const { t, te } = useI18n();
  /** Whole minutes as '2 小时 5 分' / '2 h 5 min' (hours with thousands separators: a month's gaps of a city run to thousands); '—' for nothing. */
  const minutes = (value: number | null | undefined): string => {
    if (value === null || value === undefined) return '—';
    if (value < 60) return t('monitoring.minutesM', { m: value });
    const { h, m } = splitMinutes(value);
    return m === 0 ? t('monitoring.minutesH', { h: formatNumber(h) }) : t('monitoring.minutesHm', { h: formatNumber(h), m });
  };
  const lookup = (group: string, code: string | null | undefined): string => {
    if (!code) return '—';
    const key = `monitoring.${group}.${code}`;
    return te(key) ? t(key as 'monitoring.title') : code;
  };
  return {
    minutes,
    state: (s: string) => lookup('states', s),
    alertState: (s: string) => lookup('alertStates', s),
    pausedReason: (r: string | null) => lookup('pausedReasons', r),
    resolution: (r: string | null) => lookup('resolutions', r),
    scope: (s: string) => lookup('scopes', s),
    eventKind: (k: string) => lookup('eventKinds', k),
    reason: (r: string) => lookup('abnormalReasons', r),
    weekday: (d: number) => lookup('weekdays', String(d)),
  };
}
