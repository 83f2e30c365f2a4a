/*
 * Sync monitoring (数据同步监控) — the module's public entry. The job evaluates; the incident
 * ledger reads an alert through getAlert; the overview takes sync health and the late rule
 * (judgedLots, dataStateOf) from here rather than re-assembling them.
 */
export { monitoringRoutes } from './routes.js';
export { evaluateMonitoring, type EvaluationSummary } from './evaluate.js';
export { getAlert, type AlertDetail } from './alerts.js';
export { dataStateOf, type DataState, type JudgedLot } from './freshness.js';
export { judgedLots } from './health.js';
export type { LotCounts } from './source-state.js';
export type { MonitoringTables } from './tables.js';
