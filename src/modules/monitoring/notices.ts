import { formatShanghai } from '../../platform/time.js';
import type { Notice, NoticeSeverity } from '../../platform/notices.js';
import { minutesSince, type JudgedLot, type OperatorContacts } from './freshness.js';
import type { SourceFact } from './source-state.js';

/*
 * The texts of alert notices: Chinese first, English second, plain lines that read well in the
 * console, an e-mail and a group robot. A recovery keeps the severity of its alert, so that a
 * channel that carried the alert carries its recovery too (Alertmanager's send_resolved).
 */

export type NoticeMoment = 'opened' | 'reminder' | 'recovered';

const KIND: Record<NoticeMoment, string> = {
  opened: 'monitoring.alert.opened',
  reminder: 'monitoring.alert.reminder',
  recovered: 'monitoring.alert.resolved',
};

const time = (d: Date | null) => (d ? formatShanghai(d) : '—');

export function contactLine(o: OperatorContacts | null): string {
  if (!o) return '运营单位 / Operator: 未登记 / not registered';
  const parts = [o.name, o.contactName && `联系人 ${o.contactName}`, o.contactPhone && `电话 ${o.contactPhone}`, o.contactEmail && `邮箱 ${o.contactEmail}`];
  return `运营单位 / Operator: ${parts.filter(Boolean).join('，')}`;
}

export interface AlertFacts {
  alertId: number;
  openedAt: Date;
  reminders: number;
}

export function lotNotice(moment: NoticeMoment, a: AlertFacts, lot: JudgedLot, now: Date): Notice {
  const late = lot.lateMinutes ?? 0;
  const title = {
    opened: `【数据延迟】${lot.lotName}（${lot.districtName}）已 ${late} 分钟无新数据 / Lot ${lot.lotCode}: no new data for ${late} min`,
    reminder: `【提醒】${lot.lotName} 数据仍延迟 ${late} 分钟 / Reminder: lot ${lot.lotCode} still late (${late} min)`,
    recovered: `【已恢复】${lot.lotName} 数据已恢复 / Recovered: lot ${lot.lotCode}`,
  }[moment];
  const lines = [
    `停车场 / Lot: ${lot.lotName}（${lot.lotCode}）`,
    `县市区 / District: ${lot.districtName}`,
    `数据源 / Source: ${lot.sourceName}（${lot.sourceCode}）`,
    moment === 'recovered'
      ? `告警持续 / Alert lasted: ${minutesSince(a.openedAt, now)} 分钟 / min`
      : `延迟 / Late by: ${late} 分钟 / min（阈值 / threshold ${lot.thresholdMinutes} 分钟 / min）`,
    `最新数据时间 / Newest data: ${time(lot.lastOccurredAt)}`,
    `最近接收时间 / Last received: ${time(lot.lastReceivedAt)}`,
    contactLine(lot.operator),
  ];
  return notice(moment, 'warning', a.alertId, title, lines, lot.districtCode);
}

export function sourceNotice(moment: NoticeMoment, a: AlertFacts, source: SourceFact, lots: readonly JudgedLot[], now: Date): Notice {
  const late = lots.filter((l) => l.dataState === 'late');
  const newest = lots.reduce<Date | null>((m, l) => (l.lastOccurredAt && (!m || l.lastOccurredAt > m) ? l.lastOccurredAt : m), null);
  const silent = newest ? minutesSince(newest, now) : 0;
  const districts = [...new Set(lots.map((l) => l.districtName))];
  const title = {
    opened: `【数据源中断】${source.name} 的 ${late.length} 个停车场全部延迟 / Source ${source.code}: all ${late.length} lots late`,
    reminder: `【提醒】${source.name} 仍有 ${late.length} 个停车场延迟 / Reminder: source ${source.code} still has ${late.length} late lots`,
    recovered: `【已恢复】${source.name} 数据已恢复 / Recovered: source ${source.code}`,
  }[moment];
  const sample = late.slice(0, 10).map((l) => `${l.lotName}（${l.lotCode}）`).join('、');
  const lines = [
    `数据源 / Source: ${source.name}（${source.code}）`,
    `县市区 / Districts: ${districts.join('、') || '—'}`,
    moment === 'recovered'
      ? `告警持续 / Alert lasted: ${minutesSince(a.openedAt, now)} 分钟 / min`
      : `延迟停车场 / Late lots: ${late.length} / ${lots.length}${sample ? `：${sample}${late.length > 10 ? ' …' : ''}` : ''}`,
    `最新数据时间 / Newest data: ${time(newest)}${moment === 'recovered' ? '' : `（${silent} 分钟前 / min ago）`}`,
    `最近接收时间 / Last received: ${time(source.lastReceivedAt)}`,
    contactLine(source.operator),
  ];
  const single = new Set(lots.map((l) => l.districtCode));
  return notice(moment, 'critical', a.alertId, title, lines, single.size === 1 ? [...single][0]! : null);
}

function notice(moment: NoticeMoment, severity: NoticeSeverity, alertId: number, title: string, lines: string[], districtCode: string | null): Notice {
  return { kind: KIND[moment], severity, title, body: lines.join('\n'), link: `/monitoring?alert=${alertId}`, districtCode };
}

export function problemSourceNotice(source: { code: string; name: string; operator: OperatorContacts | null }, outages: number): Notice {
  return {
    kind: 'monitoring.source.problem',
    severity: 'warning',
    title: `【长期问题接入单位】${source.name} 30 天内中断 ${outages} 次，需技术诊断 / Source ${source.code}: ${outages} outages in 30 days, needs diagnosis`,
    body: [`数据源 / Source: ${source.name}（${source.code}）`, `30 天内中断 / Outages in 30 days: ${outages}`, contactLine(source.operator)].join('\n'),
    link: `/monitoring?problemSource=${encodeURIComponent(source.code)}`,
    districtCode: null,
  };
}
