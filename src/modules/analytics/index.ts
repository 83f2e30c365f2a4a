/*
 * Analytics (数据分析) — the module's public entry. The overview reads KPIs through queryKpis;
 * data cleaning refreshes the rollups after a fix; the jobs and the CLI refresh and rebuild.
 */
export { analyticsRoutes } from './routes.js';
export { queryKpis, type KpiResult } from './service.js';
export type { KpiQuery } from './kpi-query.js';
export type { KpiRow } from './kpi-rows.js';
export { refreshAnalytics, type RefreshResult } from './refresh.js';
export { rebuildAnalytics, type RebuildResult } from './rebuild.js';
export type { AnalyticsTables } from './tables.js';
