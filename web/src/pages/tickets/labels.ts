// Tags, colours and small formatters of the work-order pages.
import { onBeforeUnmount, onMounted, ref } from 'vue';
import { useI18n } from 'vue-i18n';
import type { TagType } from '../registry/labels';
import type { ResponseOf, Schemas } from '../../api/client';
import { CATEGORIES, CHANNELS, STATES } from './tickets-api';

export const stateTag: Record<Schemas['Ticket']['state'], TagType> = {
  new: 'danger',
  assigned: 'warning',
  in_progress: 'primary',
  waiting_citizen: 'info',
  resolved: 'success',
  feedback_given: 'success',
  confirmed: 'success',
  closed: 'info',
  reopened: 'danger',
  cancelled: 'info',
};

export const priorityTag: Record<Schemas['Ticket']['priority'], TagType> = { urgent: 'danger', high: 'warning', normal: 'primary', low: 'info' };

/** States whose notes reach the citizen (as the server's PUBLIC_NOTE_STATES). */
export const PUBLIC_NOTE_STATES: readonly Schemas['Ticket']['state'][] = ['waiting_citizen', 'resolved'];

/** "Now", ticking every 30 s, for countdowns. */
export function useNow(periodMs = 30_000) {
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    timer = setInterval(() => (now.value = Date.now()), periodMs);
  });
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}

export function useTicketLabels() {
  const { t } = useI18n();

  const duration = (minutes: number | null | undefined): string => {
    if (minutes === null || minutes === undefined) return '—';
    const m = Math.max(0, Math.round(Math.abs(minutes)));
    if (m < 60) return t('tickets.minutes', { n: m });
    if (m < 1440) return t('tickets.hoursMinutes', { h: Math.floor(m / 60), m: m % 60 });
    return t('tickets.daysHours', { d: Math.floor(m / 1440), h: Math.floor((m % 1440) / 60) });
  };

  const kindLabel = (kind: string | null) => (kind === 'response' || kind === 'resolution' || kind === 'feedback' ? t(`tickets.sla.kinds.${kind}`) : (kind ?? ''));

  /** The queue's countdown: the running clock due first, in wall-clock time to its due instant. */
  const countdown = (ticket: Schemas['Ticket'], now: number): { type: TagType; text: string } | null => {
    if (ticket.slaStatus === 'paused') return { type: 'info', text: t('tickets.sla.paused') };
    if (ticket.slaStatus === 'done' || ticket.slaStatus === 'none') return ticket.late ? { type: 'warning', text: t('tickets.sla.late') } : null;
    if (!ticket.nextDueAt) return null;
    const left = (new Date(ticket.nextDueAt).getTime() - now) / 60_000;
    const kind = kindLabel(ticket.nextDueKind);
    if (left < 0 || ticket.slaStatus === 'overdue') return { type: 'danger', text: `${kind} ${t('tickets.sla.over', { time: duration(left) })}` };
    return { type: ticket.slaStatus === 'warning' ? 'warning' : 'primary', text: `${kind} ${t('tickets.sla.left', { time: duration(left) })}` };
  };

  /** One clock of the detail page. */
  const clockTag = (c: ResponseOf<'ticketsGet'>['sla'][number], now: number): { type: TagType; text: string } => {
    const kind = kindLabel(c.kind);
    if (c.state === 'met') return { type: c.late ? 'warning' : 'success', text: `${kind} ${c.late ? t('tickets.sla.metLate') : t('tickets.sla.metOnTime')}` };
    if (c.state === 'cancelled') return { type: 'info', text: `${kind} ${t('tickets.sla.cancelled')}` };
    if (c.state === 'paused') return { type: 'info', text: `${kind} ${t('tickets.sla.paused')}` };
    const left = c.dueAt ? (new Date(c.dueAt).getTime() - now) / 60_000 : null;
    if (c.late || (left !== null && left < 0)) return { type: 'danger', text: `${kind} ${t('tickets.sla.over', { time: duration(left) })}` };
    const warned = c.warnAt !== null && new Date(c.warnAt).getTime() <= now;
    return { type: warned ? 'warning' : 'primary', text: `${kind} ${t('tickets.sla.left', { time: duration(left) })}` };
  };

  const rate = (r: number | null | undefined) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`);
  const channelLabel = (c: string) => ((CHANNELS as readonly string[]).includes(c) ? t(`tickets.channels.${c as (typeof CHANNELS)[number]}`) : c);
  const categoryLabel = (c: string) => ((CATEGORIES as readonly string[]).includes(c) ? t(`tickets.categories.${c as (typeof CATEGORIES)[number]}`) : c);
  const stateLabel = (s: string | null) => (s && (STATES as readonly string[]).includes(s) ? t(`tickets.states.${s as Schemas['Ticket']['state']}`) : (s ?? '—'));

  return { duration, countdown, clockTag, rate, channelLabel, categoryLabel, stateLabel, kindLabel };
}
