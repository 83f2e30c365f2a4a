/*
 * SLA clocks (时限) — the module's public entry. Work orders and incidents start, pause, resume,
 * complete and cancel their clocks here, in their own transaction; the job checks deadlines.
 */
export { slaRoutes } from './routes.js';
export {
  cancelSla, completeSla, findSlaItems, listSla, listSlaForSubjects, pauseSla, resumeSla, startSla, updateSlaSubject,
  type SlaChangeOptions, type SlaFilter, type StartSlaInput,
} from './service.js';
export type { SlaItem } from './items.js';
export { checkSlaDeadlines, runSlaCheckJob } from './check.js';
export { incidentSlaTarget, loadPolicies, ticketSlaTarget } from './policy-settings.js';
export { pickIncidentTarget, TICKET_PRIORITIES, type IncidentSeverity, type SlaTarget, type TicketPriority } from './policies.js';
export { describeTarget } from './notices.js';
export { DEFAULT_WARN, readSlaClock, slaDeadlines, type SlaClockInput, type SlaClockReading, type WarnRule } from './clock.js';
export type { SlaTables } from './tables.js';
