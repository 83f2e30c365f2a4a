/*
 * Data cleaning (数据清洗) — the module's public entry, for the app, the job and other modules.
 * Every function takes the acting user; reads are district-scoped through the lot, writes
 * audited in their transaction.
 */
export { qualityRoutes } from './routes.js';
export { QUALITY_SCAN_JOB, runQualityScanJob } from './job.js';
export { scanQuality, parseScanBound, type ScanInput, type ScanResult } from './scan.js';
export { fixFinding, dismissFinding, revertFix, type FixBody, type FixView } from './apply.js';
export { listFindings, type FindingItem, type FindingQuery } from './findings.js';
export { qualityScores, scoreOf, type ScoreEntity } from './scores.js';
// Job quality.score-days: the ended days' counts the scores add up (score-days.ts).
export { refreshScoreDays, SCORE_DAYS_JOB, type ScoreDaysResult } from './score-days.js';
export { loadRuleSettings, updateRule, getTariff, putTariff, deleteTariff, type RuleSetting, type TariffInput, type TariffView } from './settings.js';
export { tariffChargeFen, tariffChargeSql } from './detect.js';
export { RULES, RULE_CODES, type RuleCode } from './rules.js';
export type { QualityTables } from './tables.js';
