/*
 * 共享停车 (shared parking) — the module's public entry. The app root registers the routes, the
 * gate listener on the sessions module (onGateFacts) and the no-show job. Rules for owners:
 * docs/共享停车规则.md; the capacity design: docs/decisions/0013-sharing-no-overbooking.md.
 */
export { sharingRoutes } from './routes.js';
export { onGate as sharingGateListener } from './gate.js';
export { markNoShows, NO_SHOW_JOB } from './no-show.js';
export type { SharingTables } from './tables.js';
// Its documents as the report centre lists them (docs/巡检与报告.md §5).
export { reportCatalogue } from './report-catalogue.js';
