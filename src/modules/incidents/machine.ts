import { AppError, badRequest } from '../../platform/errors.js';
import { INCIDENT_STATES, STATE_NAMES, type IncidentState } from './vocab.js';

/*
 * The incident lifecycle, one step at a time (as the city's ledger reads: 响应 → 恢复 → 解决 →
 * 复盘 → 关闭). No skipping: each step stops an SLA clock or records what the ledger needs
 * (acknowledged: the response; mitigated: the recovery time; reviewed: the root cause), so an
 * incident recorded after the fact walks the same steps with back-dated times.
 */

export const NEXT_STATES: Record<IncidentState, readonly IncidentState[]> = {
  open: ['acknowledged'],
  acknowledged: ['mitigated'],
  mitigated: ['resolved'],
  resolved: ['reviewed'],
  reviewed: ['closed'],
  closed: [],
};

export function allowedTransitions(state: IncidentState): IncidentState[] {
  return [...NEXT_STATES[state]];
}

export function isIncidentState(value: string): value is IncidentState {
  return (INCIDENT_STATES as readonly string[]).includes(value);
}

/** Refuses a step the lifecycle does not allow: 409 ILLEGAL_TRANSITION naming the allowed ones. */
export function checkTransition(from: IncidentState, to: string): IncidentState {
  if (!isIncidentState(to)) {
    throw badRequest('INVALID_STATE', `未知状态 / unknown state '${to}'; states: ${INCIDENT_STATES.join(', ')}`);
  }
  const allowed = NEXT_STATES[from];
  if (!allowed.includes(to)) {
    const list = allowed.length ? allowed.map((s) => `${s}（${STATE_NAMES[s].zh}）`).join('、') : '无 / none';
    throw new AppError(
      409,
      'ILLEGAL_TRANSITION',
      `不能从「${STATE_NAMES[from].zh}」变为「${STATE_NAMES[to].zh}」，可变为：${list} / cannot go from ${from} to ${to}; allowed: ${allowed.join(', ') || 'none'}`,
      { from, to, allowed: [...allowed] },
    );
  }
  return to;
}
