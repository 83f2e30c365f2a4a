// Labels of the analysis rows' keys (time and dimension values) and of the KPIs, in the current locale.
import { useI18n } from 'vue-i18n';
import { LOT_CATEGORIES } from '../../api/types';
import type { Dimension, KpiRow, TimeGrain } from '../../api/analytics';
import { useDistricts } from '../../composables/useDistricts';
import { formatDateTime } from '../../utils/format';
import { useRecordLabels } from '../records/labels';
import type { KpiColumn } from './format';

/** What the labels read of a row (an el-table slot's row is untyped, so all optional). */
export type RowKeys = Partial<KpiRow>;

/** The key of a row in a dimension ('' = sessions without a pay channel). */
export function dimKey(row: RowKeys, dim: Dimension): string {
  switch (dim) {
    case 'lot':
      return row.lotCode ?? '';
    case 'district':
      return row.districtCode ?? '';
    case 'category':
      return row.category ?? '';
    case 'channel':
      return row.payChannel ?? '';
  }
}

/** The key of a row in a time grain: sortable text (an ISO instant for hours). */
export function timeKey(row: RowKeys, grain: TimeGrain): string {
  return row[grain] ?? '';
}

export function useAnalysisLabels() {
  const { t } = useI18n();
  const { nameOf } = useDistricts();
  const { payChannelLabel } = useRecordLabels();

  const kpiLabel = (kpi: KpiColumn): string => t(`analysis.kpis.${kpi}`);

  /** The unit after a KPI's name in headers, e.g. 应收金额（元）. */
  const kpiHeader = (kpi: KpiColumn): string => {
    const unit: Partial<Record<KpiColumn, string>> = {
      turnoverRate: t('analysis.units.turnover'),
      avgDwellMinutes: t('analysis.units.minutes'),
      receivableFen: t('analysis.units.yuan'),
      paidFen: t('analysis.units.yuan'),
      arrearsFen: t('analysis.units.yuan'),
    };
    const u = unit[kpi];
    return u ? `${kpiLabel(kpi)}（${u}）` : kpiLabel(kpi);
  };

  const timeLabel = (row: RowKeys, grain: TimeGrain, short = false): string => {
    const key = timeKey(row, grain);
    if (grain !== 'hour' || !key) return key;
    const at = formatDateTime(key); // Shanghai 'YYYY-MM-DD HH:mm:ss'
    return short ? `${at.slice(5, 13)}:00` : `${at.slice(0, 13)}:00`;
  };

  const dimLabel = (row: RowKeys, dim: Dimension): string => {
    const key = dimKey(row, dim);
    switch (dim) {
      case 'lot':
        return row.lotName ?? key;
      case 'district':
        return row.districtName ?? nameOf(key);
      case 'category':
        return (LOT_CATEGORIES as readonly string[]).includes(key) ? t(`lot.categories.${key as (typeof LOT_CATEGORIES)[number]}`) : key;
      case 'channel':
        return key === '' ? t('analysis.noChannel') : payChannelLabel(key);
    }
  };

  return { kpiLabel, kpiHeader, timeLabel, dimLabel };
}
