import { formatShanghai } from '../../platform/time.js';
import type { Notice, NoticeSeverity } from '../../platform/notices.js';
import { minutesSince, type JudgedLot, type OperatorContacts } from './freshness.js';
import type { SourceFact } from './source-state.js';

/*
 * The texts of alert notices: Chinese (what the console and the channels show by default) and an
 * English version for channels whose recipients read English (docs/architecture.md,
 * "Notifications"); plain lines that read well in the console, an e-mail and a group robot. A
 * recovery keeps the severity of its alert, so that a channel that carried the alert carries its
 * recovery too (Alertmanager's send_resolved); the console and the channels label it 已恢复, not
 * by that severity.
 */

export type NoticeMoment = 'opened' | 'reminder' | 'recovered';

const KIND: Record<NoticeMoment, string> = {
  opened: 'monitoring.alert.opened',
  reminder: 'monitoring.alert.reminder',
  recovered: 'monitoring.alert.resolved',
};

const time = (d: Date | null) => (d ? formatShanghai(d) : '—');

/** A notice's text in both languages: a title and body lines each. */
interface Texts { zh: { title: string; lines: string[] }; en: { title: string; lines: string[] } }

export function contactLine(o: OperatorContacts | null): string {
  if (!o) return '运营单位：未登记';
  const parts = [o.name, o.contactName && `联系人 ${o.contactName}`, o.contactPhone && `电话 ${o.contactPhone}`, o.contactEmail && `邮箱 ${o.contactEmail}`];
  return `运营单位：${parts.filter(Boolean).join('，')}`;
}

function contactLineEn(o: OperatorContacts | null): string {
  if (!o) return 'Operator: not registered';
  const parts = [o.name, o.contactName && `contact ${o.contactName}`, o.contactPhone && `phone ${o.contactPhone}`, o.contactEmail && `e-mail ${o.contactEmail}`];
  return `Operator: ${parts.filter(Boolean).join(', ')}`;
}

export interface AlertFacts {
  alertId: number;
  openedAt: Date;
  reminders: number;
}

export function lotNotice(moment: NoticeMoment, a: AlertFacts, lot: JudgedLot, now: Date): Notice {
  const late = lot.lateMinutes ?? 0;
  const lasted = minutesSince(a.openedAt, now);
  const texts: Texts = {
    zh: {
      title: {
        opened: `【数据延迟】${lot.lotName}（${lot.districtName}）已 ${late} 分钟无新数据`,
        reminder: `【提醒】${lot.lotName} 数据仍延迟 ${late} 分钟`,
        recovered: `【已恢复】${lot.lotName} 数据已恢复`,
      }[moment],
      lines: [
        `停车场：${lot.lotName}（${lot.lotCode}）`,
        `县市区：${lot.districtName}`,
        `数据源：${lot.sourceName}（${lot.sourceCode}）`,
        moment === 'recovered' ? `告警持续：${lasted} 分钟` : `延迟：${late} 分钟（阈值 ${lot.thresholdMinutes} 分钟）`,
        `最新数据时间：${time(lot.lastOccurredAt)}`,
        `最近接收时间：${time(lot.lastReceivedAt)}`,
        contactLine(lot.operator),
      ],
    },
    en: {
      title: {
        opened: `Lot ${lot.lotName} (${lot.lotCode}): no new data for ${late} min`,
        reminder: `Reminder: lot ${lot.lotName} (${lot.lotCode}) still late (${late} min)`,
        recovered: `Recovered: lot ${lot.lotName} (${lot.lotCode})`,
      }[moment],
      lines: [
        `Lot: ${lot.lotName} (${lot.lotCode})`,
        `District: ${lot.districtName}`,
        `Source: ${lot.sourceName} (${lot.sourceCode})`,
        moment === 'recovered' ? `Alert lasted: ${lasted} min` : `Late by: ${late} min (threshold ${lot.thresholdMinutes} min)`,
        `Newest data: ${time(lot.lastOccurredAt)}`,
        `Last received: ${time(lot.lastReceivedAt)}`,
        contactLineEn(lot.operator),
      ],
    },
  };
  return notice(moment, 'warning', a.alertId, texts, lot.districtCode);
}

export function sourceNotice(moment: NoticeMoment, a: AlertFacts, source: SourceFact, lots: readonly JudgedLot[], now: Date): Notice {
  const late = lots.filter((l) => l.dataState === 'late');
  const newest = lots.reduce<Date | null>((m, l) => (l.lastOccurredAt && (!m || l.lastOccurredAt > m) ? l.lastOccurredAt : m), null);
  const silent = newest ? minutesSince(newest, now) : 0;
  const lasted = minutesSince(a.openedAt, now);
  const districts = [...new Set(lots.map((l) => l.districtName))];
  const sample = late.slice(0, 10).map((l) => `${l.lotName}（${l.lotCode}）`).join('、');
  const sampleEn = late.slice(0, 10).map((l) => `${l.lotName} (${l.lotCode})`).join(', ');
  const more = late.length > 10 ? ' …' : '';
  const texts: Texts = {
    zh: {
      title: {
        opened: `【数据源中断】${source.name} 的 ${late.length} 个停车场全部延迟`,
        reminder: `【提醒】${source.name} 仍有 ${late.length} 个停车场延迟`,
        recovered: `【已恢复】${source.name} 数据已恢复`,
      }[moment],
      lines: [
        `数据源：${source.name}（${source.code}）`,
        `县市区：${districts.join('、') || '—'}`,
        moment === 'recovered' ? `告警持续：${lasted} 分钟` : `延迟停车场：${late.length} / ${lots.length}${sample ? `：${sample}${more}` : ''}`,
        `最新数据时间：${time(newest)}${moment === 'recovered' ? '' : `（${silent} 分钟前）`}`,
        `最近接收时间：${time(source.lastReceivedAt)}`,
        contactLine(source.operator),
      ],
    },
    en: {
      title: {
        opened: `Source ${source.name} (${source.code}): all ${late.length} lots late`,
        reminder: `Reminder: source ${source.name} (${source.code}) still has ${late.length} late lots`,
        recovered: `Recovered: source ${source.name} (${source.code})`,
      }[moment],
      lines: [
        `Source: ${source.name} (${source.code})`,
        `Districts: ${districts.join(', ') || '—'}`,
        moment === 'recovered' ? `Alert lasted: ${lasted} min` : `Late lots: ${late.length} / ${lots.length}${sampleEn ? `: ${sampleEn}${more}` : ''}`,
        `Newest data: ${time(newest)}${moment === 'recovered' ? '' : ` (${silent} min ago)`}`,
        `Last received: ${time(source.lastReceivedAt)}`,
        contactLineEn(source.operator),
      ],
    },
  };
  const single = new Set(lots.map((l) => l.districtCode));
  return notice(moment, 'critical', a.alertId, texts, single.size === 1 ? [...single][0]! : null);
}

function notice(moment: NoticeMoment, severity: NoticeSeverity, alertId: number, texts: Texts, districtCode: string | null): Notice {
  return {
    kind: KIND[moment],
    severity,
    title: texts.zh.title,
    body: texts.zh.lines.join('\n'),
    en: { title: texts.en.title, body: texts.en.lines.join('\n') },
    link: `/monitoring?alert=${alertId}`,
    districtCode,
  };
}

export function problemSourceNotice(source: { code: string; name: string; operator: OperatorContacts | null }, outages: number): Notice {
  return {
    kind: 'monitoring.source.problem',
    severity: 'warning',
    title: `【长期问题接入单位】${source.name} 30 天内中断 ${outages} 次，需技术诊断`,
    body: [`数据源：${source.name}（${source.code}）`, `30 天内中断：${outages} 次`, contactLine(source.operator)].join('\n'),
    en: {
      title: `Source ${source.name} (${source.code}): ${outages} outages in 30 days, needs diagnosis`,
      body: [`Source: ${source.name} (${source.code})`, `Outages in 30 days: ${outages}`, contactLineEn(source.operator)].join('\n'),
    },
    link: `/monitoring?problemSource=${encodeURIComponent(source.code)}`,
    districtCode: null,
  };
}
