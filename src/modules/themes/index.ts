/*
 * 市域专题 (city themes): the module's only entry for app.ts, the jobs and other modules.
 * The contract is docs/市域专题接口.md; the measures docs/指标口径.md section 5.
 */
export { themesRoutes } from './routes.js';
export { evaluateThemeAlerts, THEMES_ALERT_JOB, type AlertSummary } from './alerts.js';
export { seedDemoThemes } from './demo.js';
export { refreshThemeRollup, THEMES_ROLLUP_JOB, type RollupResult } from './rollup.js';
export { THEME_KINDS, THEME_KIND_LABELS } from './vocab.js';
export type { ThemesTables, ThemeKind } from './tables.js';
// Its documents as the report centre lists them (docs/巡检与报告.md §5).
export { reportCatalogue } from './report-catalogue.js';
