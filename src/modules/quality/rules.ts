import { maskPlate } from '../../platform/plates.js';
import type { FixAction, TargetType } from './tables.js';

/*
 * The data-cleaning rules (数据清洗规则): what each finds, on which rows, and the fix it
 * suggests. Detection is SQL (detect.ts); settings per rule (enabled, auto-apply, parameters)
 * are rows of quality_rules with the defaults below. Only rules marked `safe` may apply their
 * fixes without a person: their fix only sets a row aside that cannot be right (a double read,
 * an impossible space count), and it can be reverted.
 */

export const RULE_CODES = [
  'duplicate_session', 'negative_duration', 'overlong_duration', 'fee_mismatch', 'fee_over_cap',
  'paid_over_receivable', 'invalid_plate', 'status_out_of_capacity', 'lot_capacity_contradiction',
] as const;
export type RuleCode = (typeof RULE_CODES)[number];

export interface ParamSpec {
  min: number;
  max: number;
  /** null allowed (e.g. no default cap). */
  nullable?: boolean;
  /** true/false instead of a number. */
  boolean?: boolean;
  zh: string;
  en: string;
}

export interface RuleDef {
  code: RuleCode;
  target: TargetType;
  action: FixAction;
  safe: boolean;
  zh: string;
  en: string;
  descriptionZh: string;
  descriptionEn: string;
  defaults: Record<string, number | boolean | null>;
  params: Record<string, ParamSpec>;
}

const rule = (d: RuleDef) => d;

export const RULES: Record<RuleCode, RuleDef> = {
  duplicate_session: rule({
    code: 'duplicate_session', target: 'session', action: 'exclude', safe: true,
    zh: '重复流水', en: 'Duplicate session',
    descriptionZh: '同一停车场、同一车牌，入场时间相差不超过设定秒数的多条流水：保留编号最小的一条，其余排除。',
    descriptionEn: 'Sessions of one plate at one lot entering within the window: keep the lowest id, exclude the others.',
    defaults: { windowSeconds: 60 },
    params: { windowSeconds: { min: 1, max: 3600, zh: '入场时间窗口（秒）', en: 'entry window (seconds)' } },
  }),
  negative_duration: rule({
    code: 'negative_duration', target: 'session', action: 'exclude', safe: false,
    zh: '时长为负', en: 'Negative duration',
    descriptionZh: '出场时间早于入场时间的流水：建议排除。', descriptionEn: 'Exit before entry: exclude.',
    defaults: {}, params: {},
  }),
  overlong_duration: rule({
    code: 'overlong_duration', target: 'session', action: 'exclude', safe: false,
    zh: '时长过长', en: 'Overlong duration',
    descriptionZh: '停车时长超过设定天数的已出场流水：建议排除。', descriptionEn: 'Closed sessions longer than the set days: exclude.',
    defaults: { maxDays: 7 },
    params: { maxDays: { min: 1, max: 365, zh: '最长天数', en: 'maximum days' } },
  }),
  fee_mismatch: rule({
    code: 'fee_mismatch', target: 'session', action: 'set_receivable', safe: false,
    zh: '应收与收费标准不符', en: 'Fee does not match the tariff',
    descriptionZh: '已登记收费标准的停车场：应收金额与按标准计算的金额不符（差额超过容差）。建议改为标准金额。应收为 0 的（包月、免费放行）默认不查。',
    descriptionEn: 'Lots with a tariff: receivable differs from the tariff charge by more than the tolerance; suggest the tariff amount. Zero receivables (passes) are skipped by default.',
    defaults: { toleranceFen: 0, ignoreZero: true },
    params: {
      toleranceFen: { min: 0, max: 100_000, zh: '容差（分）', en: 'tolerance (fen)' },
      ignoreZero: { min: 0, max: 1, boolean: true, zh: '不查应收为 0 的流水', en: 'skip zero receivables' },
    },
  }),
  fee_over_cap: rule({
    code: 'fee_over_cap', target: 'session', action: 'set_receivable', safe: false,
    zh: '应收超过封顶', en: 'Fee over the daily cap',
    descriptionZh: '应收金额超过“每日封顶 × 已开始的 24 小时段数”：建议改为封顶金额。封顶取停车场收费标准，未登记的用默认封顶（可不设）。',
    descriptionEn: 'Receivable above daily cap × started 24 h periods; suggest the capped amount. Cap from the lot tariff, else the default cap (optional).',
    defaults: { defaultDailyCapFen: null },
    params: { defaultDailyCapFen: { min: 0, max: 1_000_000, nullable: true, zh: '默认每日封顶（分）', en: 'default daily cap (fen)' } },
  }),
  paid_over_receivable: rule({
    code: 'paid_over_receivable', target: 'session', action: 'set_receivable', safe: false,
    zh: '实收大于应收', en: 'Paid over receivable',
    descriptionZh: '实收金额大于应收金额：建议将应收改为实收金额。', descriptionEn: 'Paid more than receivable: suggest receivable := paid.',
    defaults: {}, params: {},
  }),
  invalid_plate: rule({
    code: 'invalid_plate', target: 'session', action: 'exclude', safe: false,
    zh: '车牌无效', en: 'Invalid plate',
    descriptionZh: '车牌不符合 7 位普通或 8 位新能源号牌格式：能按常见误识（O→0、I→1）改正的建议改正，否则建议排除；也可填写正确车牌。',
    descriptionEn: 'Plate fails validation: suggest the corrected plate when a common misread (O→0, I→1) explains it, else exclusion; a corrected plate may be given.',
    defaults: {}, params: {},
  }),
  status_out_of_capacity: rule({
    code: 'status_out_of_capacity', target: 'status_report', action: 'exclude', safe: true,
    zh: '余位上报超出容量', en: 'Status report out of capacity',
    descriptionZh: '余位数小于 0、大于总泊位，或上报总泊位与登记总泊位相差超过比例的余位上报：排除。若该停车场上报总泊位一贯与登记不同（见“停车场容量矛盾”），只查前两项。',
    descriptionEn: 'Free < 0, free > total, or reported total off the registry by more than the share: exclude. Lots whose reports consistently differ (capacity contradiction) are checked on the first two only.',
    defaults: { totalTolerance: 0.1 },
    params: { totalTolerance: { min: 0, max: 10, zh: '总泊位允许偏差（比例）', en: 'total tolerance (share)' } },
  }),
  lot_capacity_contradiction: rule({
    code: 'lot_capacity_contradiction', target: 'lot', action: 'set_total_spaces', safe: false,
    zh: '停车场容量矛盾', en: 'Lot capacity contradiction',
    descriptionZh: '扫描期间同时在场车辆峰值超过登记总泊位 ×（1 + 偏差），或余位上报的总泊位一贯（不少于设定比例）与登记不同：建议通过数据资源更新总泊位；更正后，仅因总泊位不符而被自动排除、且符合新总泊位的余位上报随之恢复。',
    descriptionEn: 'Peak cars present above total × (1 + tolerance), or the status reports’ total consistently differs from the registry: suggest updating the lot’s total spaces; once corrected, status reports set aside automatically only for their total, and fitting the new one, come back.',
    defaults: { peakTolerance: 0.1, totalTolerance: 0.1, minReports: 3, mismatchShare: 0.8 },
    params: {
      peakTolerance: { min: 0, max: 10, zh: '峰值允许超出（比例）', en: 'peak tolerance (share)' },
      totalTolerance: { min: 0, max: 10, zh: '上报总泊位允许偏差（比例）', en: 'reported total tolerance (share)' },
      minReports: { min: 1, max: 100_000, zh: '最少上报条数', en: 'minimum reports' },
      mismatchShare: { min: 0.01, max: 1, zh: '不符上报占比', en: 'share of differing reports' },
    },
  }),
};

export function isRuleCode(code: string): code is RuleCode {
  return (RULE_CODES as readonly string[]).includes(code);
}

const yuan = (fen: unknown) => (typeof fen === 'number' ? (fen / 100).toFixed(2) : '—');

/**
 * The suggested fix in words, zh and en. Plates appear masked unless `unmasked`.
 */
export function describeFix(action: FixAction, value: Record<string, unknown>, detail: Record<string, unknown>, unmasked: boolean): { zh: string; en: string } {
  switch (action) {
    case 'exclude': {
      const keep = typeof detail.keepId === 'number' ? detail.keepId : null;
      return keep !== null
        ? { zh: `排除该记录（保留 #${keep}）`, en: `exclude this record (keep #${keep})` }
        : { zh: '排除该记录（不计入统计，可撤销）', en: 'exclude this record (left out of all figures; reversible)' };
    }
    case 'set_receivable':
      return { zh: `应收改为 ${yuan(value.receivableFen)} 元`, en: `set receivable to ¥${yuan(value.receivableFen)}` };
    case 'set_plate': {
      const plate = typeof value.plate === 'string' ? (unmasked ? value.plate : maskPlate(value.plate)) : '—';
      return { zh: `车牌改为 ${plate}`, en: `set the plate to ${plate}` };
    }
    case 'set_total_spaces':
      return { zh: `总泊位改为 ${String(value.totalSpaces)}`, en: `set total spaces to ${String(value.totalSpaces)}` };
  }
}
