/*
 * Data cleaning (数据清洗) as the routes, the job and other modules use it. Every function takes
 * the acting user; reads are district-scoped through the lot, writes audited in their transaction.
 */
export { scanQuality, parseScanBound, type ScanInput, type ScanResult } from './scan.js';
export { fixFinding, dismissFinding, revertFix, type FixBody, type FixView } from './apply.js';
export { listFindings, type FindingItem, type FindingQuery } from './findings.js';
export { qualityScores, scoreOf, type ScoreEntity } from './scores.js';
export { loadRuleSettings, updateRule, getTariff, putTariff, deleteTariff, type RuleSetting, type TariffView } from './settings.js';
export { tariffChargeFen, tariffChargeSql } from './detect.js';
export { RULES, RULE_CODES, type RuleCode } from './rules.js';
