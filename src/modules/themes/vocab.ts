import type { ThemeKind } from './tables.js';

/** Kinds of theme (docs/市域专题接口.md). */
export const THEME_KINDS: readonly ThemeKind[] = ['hospital', 'school', 'scenic', 'transport', 'commercial', 'residential', 'event', 'custom'];

export const THEME_KIND_LABELS: Record<ThemeKind, string> = {
  hospital: '医院周边',
  school: '学校周边',
  scenic: '景区',
  transport: '交通枢纽',
  commercial: '商圈',
  residential: '居住区',
  event: '大型活动',
  custom: '自定义',
};

export const PRESSURE_LABELS = { smooth: '畅通', busy: '较忙', tight: '紧张', saturated: '饱和', unknown: '未知' } as const;
