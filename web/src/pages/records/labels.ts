// Labels and tag colours of the parking-records pages.
import { useI18n } from 'vue-i18n';
import type { TagType } from '../registry/labels';
import { splitMinutes } from './format';
import { PAY_CHANNELS, SESSION_FLAGS } from './records-api';

export function stateTag(state: string): TagType {
  return state === 'open' ? 'primary' : 'info';
}

/** Label helpers bound to the current locale; unknown codes are shown as they are. */
export function useRecordLabels() {
  const { t } = useI18n();
  const payChannelLabel = (c: string): string => ((PAY_CHANNELS as readonly string[]).includes(c) ? t(`records.payChannels.${c as (typeof PAY_CHANNELS)[number]}`) : c);
  const flagLabel = (f: string): string => ((SESSION_FLAGS as readonly string[]).includes(f) ? t(`records.flagNames.${f as (typeof SESSION_FLAGS)[number]}`) : f);
  const duration = (minutes: number | null | undefined): string => {
    if (minutes === null || minutes === undefined) return '—';
    if (minutes < 60) return t('records.durationM', { m: minutes });
    const { h, m } = splitMinutes(minutes);
    return t('records.durationHm', { h, m });
  };
  return { payChannelLabel, flagLabel, duration };
}
