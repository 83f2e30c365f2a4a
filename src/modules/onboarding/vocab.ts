import type { OnboardingStage } from './tables.js';

/*
 * Onboarding stages with the labels the bureau's list uses. Import accepts the labels (and a few
 * spellings seen in county sheets); the report and the template write the labels.
 */

export const STAGES: readonly OnboardingStage[] = ['not_started', 'contacting', 'docking', 'testing', 'connected', 'paused'];

export const STAGE_LABELS: Record<OnboardingStage, string> = {
  not_started: '未启动',
  contacting: '联系中',
  docking: '对接中',
  testing: '测试中',
  connected: '已接入',
  paused: '暂停',
};

const STAGE_ALIASES: Record<string, OnboardingStage> = {
  未开始: 'not_started',
  待接入: 'not_started',
  沟通中: 'contacting',
  洽谈中: 'contacting',
  接口对接: 'docking',
  开发中: 'docking',
  联调中: 'testing',
  试运行: 'testing',
  联调测试: 'testing',
  已对接: 'connected',
  已完成: 'connected',
  暂缓: 'paused',
  搁置: 'paused',
};

export function parseStage(value: string): OnboardingStage | null {
  const v = value.trim();
  const lower = v.toLowerCase();
  return STAGES.find((s) => s === lower) ?? STAGES.find((s) => STAGE_LABELS[s] === v) ?? STAGE_ALIASES[v] ?? null;
}

export const PRIORITIES = ['key_area', 'high_frequency'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRIORITY_LABELS: Record<Priority, string> = { key_area: '重点区域', high_frequency: '高频使用' };

const YES = new Set(['是', '√', '✓', 'y', 'yes', 'true', '1', '重点', '重点区域', '高频', '高频使用']);
const NO = new Set(['否', '', 'n', 'no', 'false', '0', '×', '-']);

/** A yes/no cell as people fill it (是/否, √, 1/0, true/false); null when it is neither. */
export function parseYesNo(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : null;
  if (typeof value !== 'string') return null;
  const v = value.trim().toLowerCase();
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  return null;
}
