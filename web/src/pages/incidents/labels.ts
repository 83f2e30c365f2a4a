// Tags, colours and small formatters of the incident ledger pages.
import { useI18n } from 'vue-i18n';
import type { TagType } from '../registry/labels';
import type { Schemas } from '../../api/client';
import type { IncidentState, Severity } from './incidents-api';

// Keyed by number and string: the API answers an incident's severity as a number, its state as a string.
export const severityTag: Record<number, TagType> = { 1: 'danger', 2: 'warning', 3: 'primary' } satisfies Record<Severity, TagType>;

export const stateTag: Record<string, TagType> = {
  open: 'danger',
  acknowledged: 'warning',
  mitigated: 'primary',
  resolved: 'primary',
  reviewed: 'success',
  closed: 'info',
} satisfies Record<IncidentState, TagType>;

const OPEN = new Set(['running', 'paused', 'breached']);

/** 'YYYY-MM-DDTHH:mm' (Shanghai) for a datetime picker's value, or an API time. */
export function pickerValue(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + 8 * 3_600_000);
  return d.toISOString().slice(0, 16).replace('T', ' ') + ':00';
}

export function useIncidentLabels() {
  const { t } = useI18n();

  const duration = (minutes: number | null | undefined): string => {
    if (minutes === null || minutes === undefined) return '—';
    const m = Math.max(0, Math.round(Math.abs(minutes)));
    if (m < 60) return t('incidents.minutes', { n: m });
    if (m < 1440) return t('incidents.hoursMinutes', { h: Math.floor(m / 60), m: m % 60 });
    return t('incidents.daysHours', { d: Math.floor(m / 1440), h: Math.floor((m % 1440) / 60) });
  };

  /** One SLA clock as a tag: on time / met late / breached / time left. */
  const slaTag = (c: Schemas['IncidentSummary']['sla'][number]): { type: TagType; text: string } => {
    const kind = t(`incidents.sla.kinds.${c.kind as 'response'}`);
    if (c.state === 'met') return { type: c.late ? 'warning' : 'success', text: `${kind} ${c.late ? t('incidents.sla.metLate') : t('incidents.sla.metOnTime')}` };
    if (c.state === 'cancelled') return { type: 'info', text: `${kind} ${t('incidents.sla.cancelled')}` };
    if (c.state === 'paused') return { type: 'info', text: `${kind} ${t('incidents.sla.paused')}` };
    const left = c.remainingMinutes ?? null;
    if (c.late || (left !== null && left < 0)) return { type: 'danger', text: `${kind} ${t('incidents.sla.over', { time: duration(left) })}` };
    return { type: left !== null && left <= 10 ? 'warning' : 'primary', text: `${kind} ${t('incidents.sla.left', { time: duration(left) })}` };
  };

  /** The clocks worth showing in a list row: the open ones, and met ones that were late. */
  const listTags = (clocks: Schemas['IncidentSummary']['sla']) => clocks.filter((c) => OPEN.has(c.state) || (c.state === 'met' && c.late)).map(slaTag);

  const rate = (r: number | null | undefined) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`);

  return { duration, slaTag, listTags, rate };
}
