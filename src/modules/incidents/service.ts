/*
 * The incident ledger (系统事件台账) as other modules and the routes use it. Every function takes
 * the acting user; reads are district-scoped, writes audited in the same transaction.
 */
export { createIncident, getIncident, updateIncident, addTimelineNote, type CreateIncidentInput, type UpdateIncidentInput } from './incidents.js';
export { transitionIncident, type TransitionInput } from './transitions.js';
export { addAction, updateAction, completeAction, waiveAction } from './actions.js';
export { recordFeedback, type FeedbackInput } from './feedback.js';
export { linkItem, unlinkItem, createFromAlert, createFromTicket, suggestSeverity } from './links.js';
export { listIncidents, incidentKpis, type IncidentFilters, type IncidentKpis } from './query.js';
export { buildLedger, exportLedger, LEDGER_HEADERS } from './ledger.js';
export { incidentStandards } from './standards.js';
export type { IncidentDetail, IncidentSummary } from './view.js';
