import { describeTarget, loadPolicies, pickIncidentTarget, type SlaTarget } from '../sla/index.js';
import { SEVERITIES, SEVERITY_NAMES, type Severity } from './vocab.js';
import type { IncidentsContext } from './repo.js';

/** One standard as shown to people: the target, its calendar, and a text like '2 小时'. */
export interface StandardView {
  targetMinutes: number;
  calendarId: string;
  text: string;
}

export interface SeverityStandards {
  severity: Severity;
  name: string;
  response: StandardView;
  restore: StandardView;
  feedback: StandardView;
  followupFeedback: StandardView;
}

const view = (t: SlaTarget): StandardView => ({ targetMinutes: t.targetMinutes, calendarId: t.calendarId, text: describeTarget(t.targetMinutes, t.calendarId) });

/** The graded response standards in force (defaults from the SLA policies, with any overrides). */
export async function incidentStandards(ctx: IncidentsContext): Promise<SeverityStandards[]> {
  const policies = await loadPolicies(ctx);
  return SEVERITIES.map((severity) => ({
    severity,
    name: SEVERITY_NAMES[severity].zh,
    response: view(pickIncidentTarget(policies, 'response', severity)),
    restore: view(pickIncidentTarget(policies, 'restore', severity)),
    feedback: view(pickIncidentTarget(policies, 'feedback', severity)),
    followupFeedback: view(pickIncidentTarget(policies, 'followup_feedback', severity)),
  }));
}
