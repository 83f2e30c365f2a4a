import { addOpenMs } from '../../platform/calendar/business-time.js';
import { getCalendar } from '../../platform/calendar/calendars.js';
import type { WarnRule } from './clock.js';

/*
 * Default SLA targets. Each is configurable at run time (sla_policy_overrides, PUT
 * /api/v1/sla/policies/{key}); these values apply until someone changes them.
 *
 * Sources and assumptions
 * - Incidents: the city's requirement (issue 5): 一级 respond 15 min / restore 2 h; 二级 30 min /
 *   8 h; 三级 4 working hours / 3 working days; the user is told the result within 30 minutes of
 *   recovery. 一级/二级 run 24×7 (the standard says minutes and hours, not working hours);
 *   三级 runs on business hours. 3 working days = 3 × 7.5 business hours (addWorkingDays rule).
 *   "Again after follow-up completion" has no stated time: 1 working day is our assumption.
 * - Work orders by priority: ours, modelled on ITIL/Zammad-style response and resolution pairs
 *   and sized to a resident ops team on office hours; only 'urgent' runs 24×7.
 * - 12345 hotline: Jiangsu/Nantong 12345 rules vary by document and year; the usual pattern is
 *   签收 the same working day with prompt contact of the citizen, 办结 in a few working days
 *   (咨询 ≈ 2, 求助/投诉 ≈ 5), feedback on the day of 办结. We take 签收/first contact within 1
 *   working hour, 办结 within 5 working days, feedback within 4 working hours, as caps: a
 *   12345 ticket gets whichever of its priority's and the channel's targets falls due first.
 *   Replace them with the city 12345 centre's figures when known.
 */

export type SlaSubjectType = 'ticket' | 'incident';
export type TicketPriority = 'urgent' | 'high' | 'normal' | 'low';
export const TICKET_PRIORITIES: readonly TicketPriority[] = ['urgent', 'high', 'normal', 'low'];
export type IncidentSeverity = 1 | 2 | 3;
export const INCIDENT_SEVERITIES: readonly IncidentSeverity[] = [1, 2, 3];

/** response: first response/签收; resolution: 办结; restore: basic service back; feedback: result told to the user. */
export type SlaKind = 'response' | 'resolution' | 'restore' | 'feedback' | 'followup_feedback';

export const SLA_KIND_NAMES: Record<string, { zh: string; en: string }> = {
  response: { zh: '响应', en: 'response' },
  resolution: { zh: '办结', en: 'resolution' },
  restore: { zh: '恢复', en: 'restore' },
  feedback: { zh: '结果反馈', en: 'feedback' },
  followup_feedback: { zh: '整改完成反馈', en: 'follow-up feedback' },
};

export interface SlaPolicyDefault {
  key: string;
  subjectType: SlaSubjectType;
  kind: SlaKind;
  /** What the policy applies to; none set: every subject of the type. */
  appliesTo: { priority?: TicketPriority; channel?: string; severity?: IncidentSeverity };
  targetMinutes: number;
  calendarId: 'business' | '24x7';
  warn: WarnRule;
  /** Subject states in which this clock stops; the subject's module pauses and resumes it. */
  pausesIn: readonly string[];
  /** When the clock starts and what stops it. */
  startsAt: string;
  endsAt: string;
  basis: string;
}

const WH = 60; // one working hour in business minutes
const WD = 450; // one working day: 08:30–12:00 + 13:30–17:30
const WARN: WarnRule = { fraction: 0.8 };

const TICKET_PRIORITY_TARGETS: Record<TicketPriority, { response: [number, 'business' | '24x7']; resolution: [number, 'business' | '24x7'] }> = {
  urgent: { response: [30, '24x7'], resolution: [4 * 60, '24x7'] },
  high: { response: [1 * WH, 'business'], resolution: [1 * WD, 'business'] },
  normal: { response: [4 * WH, 'business'], resolution: [3 * WD, 'business'] },
  low: { response: [1 * WD, 'business'], resolution: [5 * WD, 'business'] },
};

const TICKET_START = '受理（工单创建）时 / when the ticket is created';
const OURS = '平台默认，可调整 / platform default, configurable';

function ticketPolicies(): SlaPolicyDefault[] {
  const out: SlaPolicyDefault[] = [];
  for (const priority of TICKET_PRIORITIES) {
    const t = TICKET_PRIORITY_TARGETS[priority];
    out.push({
      key: `ticket.${priority}.response`, subjectType: 'ticket', kind: 'response', appliesTo: { priority },
      targetMinutes: t.response[0], calendarId: t.response[1], warn: WARN, pausesIn: [],
      startsAt: TICKET_START, endsAt: '首次响应（签收/受理人开始处理） / first response (assigned and taken up)', basis: OURS,
    });
    out.push({
      key: `ticket.${priority}.resolution`, subjectType: 'ticket', kind: 'resolution', appliesTo: { priority },
      targetMinutes: t.resolution[0], calendarId: t.resolution[1], warn: WARN, pausesIn: ['waiting_citizen'],
      startsAt: TICKET_START, endsAt: '办结（resolved） / resolved', basis: OURS,
    });
  }
  out.push({
    key: 'ticket.feedback', subjectType: 'ticket', kind: 'feedback', appliesTo: {},
    targetMinutes: 1 * WD, calendarId: 'business', warn: WARN, pausesIn: [],
    startsAt: '办结（resolved）时 / when resolved', endsAt: '结果已反馈市民（feedback_given） / result fed back to the citizen', basis: OURS,
  });
  const hotline = '12345 热线常见时限（签收当日、限时办结、办结当日答复），作为上限 / common 12345 hotline deadlines, as caps';
  out.push(
    {
      key: 'ticket.hotline_12345.response', subjectType: 'ticket', kind: 'response', appliesTo: { channel: 'hotline_12345' },
      targetMinutes: 1 * WH, calendarId: 'business', warn: WARN, pausesIn: [],
      startsAt: TICKET_START, endsAt: '签收并联系诉求人 / signed for and citizen contacted', basis: hotline,
    },
    {
      key: 'ticket.hotline_12345.resolution', subjectType: 'ticket', kind: 'resolution', appliesTo: { channel: 'hotline_12345' },
      targetMinutes: 5 * WD, calendarId: 'business', warn: WARN, pausesIn: ['waiting_citizen'],
      startsAt: TICKET_START, endsAt: '办结（resolved） / resolved', basis: hotline,
    },
    {
      key: 'ticket.hotline_12345.feedback', subjectType: 'ticket', kind: 'feedback', appliesTo: { channel: 'hotline_12345' },
      targetMinutes: 4 * WH, calendarId: 'business', warn: WARN, pausesIn: [],
      startsAt: '办结（resolved）时 / when resolved', endsAt: '结果已反馈市民 / result fed back to the citizen', basis: hotline,
    },
  );
  return out;
}

const INCIDENT_TARGETS: Record<IncidentSeverity, { response: [number, 'business' | '24x7']; restore: [number, 'business' | '24x7'] }> = {
  1: { response: [15, '24x7'], restore: [2 * 60, '24x7'] },
  2: { response: [30, '24x7'], restore: [8 * 60, '24x7'] },
  3: { response: [4 * WH, 'business'], restore: [3 * WD, 'business'] },
};

function incidentPolicies(): SlaPolicyDefault[] {
  const out: SlaPolicyDefault[] = [];
  const city = '城市要求：事件分级响应标准 / the city\'s graded incident standard';
  const start = '事件发生（occurredAt）时 / when the incident occurred';
  for (const severity of INCIDENT_SEVERITIES) {
    const t = INCIDENT_TARGETS[severity];
    out.push({
      key: `incident.${severity}.response`, subjectType: 'incident', kind: 'response', appliesTo: { severity },
      targetMinutes: t.response[0], calendarId: t.response[1], warn: WARN, pausesIn: [],
      startsAt: start, endsAt: '确认响应（acknowledged） / acknowledged', basis: city,
    });
    out.push({
      key: `incident.${severity}.restore`, subjectType: 'incident', kind: 'restore', appliesTo: { severity },
      targetMinutes: t.restore[0], calendarId: t.restore[1], warn: WARN, pausesIn: [],
      startsAt: start, endsAt: '基本服务恢复（mitigated） / basic service restored', basis: city,
    });
  }
  out.push(
    {
      key: 'incident.feedback', subjectType: 'incident', kind: 'feedback', appliesTo: {},
      targetMinutes: 30, calendarId: '24x7', warn: WARN, pausesIn: [],
      startsAt: '恢复（recoveredAt）时 / at recovery', endsAt: '处理结果已告知用户 / result told to the user', basis: '城市要求：恢复后 30 分钟内反馈 / city: within 30 minutes of recovery',
    },
    {
      key: 'incident.followup_feedback', subjectType: 'incident', kind: 'followup_feedback', appliesTo: {},
      targetMinutes: 1 * WD, calendarId: 'business', warn: WARN, pausesIn: [],
      startsAt: '后续整改（BUG 修复、变更）完成时 / when a follow-up action is completed', endsAt: '整改结果已告知用户 / result told to the user',
      basis: '城市要求"整改完成后再次反馈"，时限为平台假设 / city asks for it; the time limit is our assumption',
    },
  );
  return out;
}

export const DEFAULT_POLICIES: readonly SlaPolicyDefault[] = Object.freeze([...ticketPolicies(), ...incidentPolicies()]);

export const POLICY_KEYS: ReadonlySet<string> = new Set(DEFAULT_POLICIES.map((p) => p.key));

/** A policy as in force: the default with any override applied. */
export interface SlaPolicy extends SlaPolicyDefault {
  overridden: boolean;
}

/** What startSla needs from a policy (spread it into the call). */
export interface SlaTarget {
  kind: string;
  policyKey: string;
  targetMinutes: number;
  calendarId: string;
  warn: WarnRule;
}

export function targetOf(policy: SlaPolicyDefault): SlaTarget {
  return { kind: policy.kind, policyKey: policy.key, targetMinutes: policy.targetMinutes, calendarId: policy.calendarId, warn: policy.warn };
}

function byKey(policies: readonly SlaPolicyDefault[], key: string): SlaPolicyDefault | undefined {
  return policies.find((p) => p.key === key);
}

/**
 * A ticket's target of one kind: the priority's policy (for feedback the general one) and, when
 * the channel has its own policy of that kind, whichever of the two falls due first from `at`.
 */
export function pickTicketTarget(
  policies: readonly SlaPolicyDefault[],
  kind: 'response' | 'resolution' | 'feedback',
  ticket: { channel: string; priority: TicketPriority },
  at: Date,
): SlaTarget {
  const base = byKey(policies, kind === 'feedback' ? 'ticket.feedback' : `ticket.${ticket.priority}.${kind}`);
  if (!base) throw new RangeError(`no ticket SLA policy for ${ticket.priority} ${kind}`);
  const channel = byKey(policies, `ticket.${ticket.channel}.${kind}`);
  if (!channel) return targetOf(base);
  const due = (p: SlaPolicyDefault) => addOpenMs(at.getTime(), p.targetMinutes * 60_000, getCalendar(p.calendarId));
  return targetOf(due(channel) < due(base) ? channel : base);
}

export function pickIncidentTarget(
  policies: readonly SlaPolicyDefault[],
  kind: 'response' | 'restore' | 'feedback' | 'followup_feedback',
  severity: IncidentSeverity,
): SlaTarget {
  const key = kind === 'feedback' || kind === 'followup_feedback' ? `incident.${kind}` : `incident.${severity}.${kind}`;
  const policy = byKey(policies, key);
  if (!policy) throw new RangeError(`no incident SLA policy ${key}`);
  return targetOf(policy);
}
