// Shared display bits of the 欠费追缴 page (docs/用户手册.md 第 24 章).
import { useI18n } from 'vue-i18n';
import type { ResponseOf } from '../../api/client';
import { formatYuan } from '../records/format';

export const levelTag = (level: string): 'danger' | 'warning' => (level === 'enforcement' ? 'danger' : 'warning');
export const statusTag = (status: string): 'warning' | 'success' | 'info' => (status === 'pending' ? 'warning' : status === 'approved' ? 'success' : 'info');

export function useArrearsLabels() {
  const { t } = useI18n();
  const level = (l: string) => t(`arrears.levels.${l === 'enforcement' ? 'enforcement' : 'open'}`);
  const reasons = (rs: readonly string[]) => rs.map((r) => t(`arrears.reasons.${r === 'amount' ? 'amount' : 'age'}`)).join('、');
  const status = (s: string) => t(`arrears.writeoff.statuses.${s === 'approved' ? 'approved' : s === 'rejected' ? 'rejected' : 'pending'}`);
  /** The escalation rule in words: 欠费满 30 天 或 欠费达到 ¥200.00. */
  const rule = (s: Pick<ResponseOf<'arrearsSettings'>, 'enforceAfterDays' | 'enforceAboveFen'>) => {
    const parts = [
      ...(s.enforceAfterDays !== null ? [t('arrears.detail.ruleDays', { n: s.enforceAfterDays })] : []),
      ...(s.enforceAboveFen !== null ? [t('arrears.detail.ruleAmount', { yuan: formatYuan(s.enforceAboveFen) })] : []),
    ];
    return parts.length ? parts.join(` ${t('arrears.detail.ruleOr')} `) : t('arrears.detail.ruleNone');
  };
  return { level, reasons, status, rule };
}
