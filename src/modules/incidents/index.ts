/*
 * The incident ledger (系统事件台账) — the module's public entry, for other modules, the app and
 * the CLI. Every function takes the acting user; reads are district-scoped, writes audited in the
 * same transaction. The overview counts open incidents through filteredIncidents.
 */
export { incidentsRoutes } from './routes.js';
export { createIncident, getIncident, updateIncident, addTimelineNote, type CreateIncidentInput, type UpdateIncidentInput } from './incidents.js';
export { transitionIncident, type TransitionInput } from './transitions.js';
export { addAction, updateAction, completeAction, waiveAction } from './actions.js';
export { recordFeedback, type FeedbackInput } from './feedback.js';
export { linkItem, unlinkItem, createFromAlert, createFromTicket, suggestSeverity } from './links.js';
export { filteredIncidents, listIncidents, incidentKpis, type IncidentFilters, type IncidentKpis } from './query.js';
export { buildLedger, exportLedger, LEDGER_HEADERS } from './ledger.js';
export { incidentStandards } from './standards.js';
export type { IncidentDetail, IncidentSummary } from './view.js';
export type { IncidentsTables } from './tables.js';
// Its documents as the report centre lists them (docs/巡检与报告.md §5).
export { reportCatalogue } from './report-catalogue.js';
