/*
 * The lifecycle of a vulnerability (docs/security-operations.md, "Lifecycle"). Pure.
 *
 *   found → plan_submitted → fixing → fixed → verified
 *   found | plan_submitted | fixing | fixed → accepted_risk (reason, approver, expiry)
 *   found | plan_submitted | fixing | fixed → false_positive (reason)
 *   fixed → fixing (verification failed)
 *
 * verified, accepted_risk and false_positive are final. The fix-plan clock runs while the state
 * is `found`; any step out of `found` stops it (a false positive or an accepted risk needs no plan).
 */

export type VulnState = 'found' | 'plan_submitted' | 'fixing' | 'fixed' | 'verified' | 'accepted_risk' | 'false_positive';

export const VULN_STATES: readonly VulnState[] = ['found', 'plan_submitted', 'fixing', 'fixed', 'verified', 'accepted_risk', 'false_positive'];

export const FINAL_STATES: readonly VulnState[] = ['verified', 'accepted_risk', 'false_positive'];

const NEXT: Record<VulnState, readonly VulnState[]> = {
  found: ['plan_submitted', 'accepted_risk', 'false_positive'],
  plan_submitted: ['fixing', 'accepted_risk', 'false_positive'],
  fixing: ['fixed', 'accepted_risk', 'false_positive'],
  fixed: ['verified', 'fixing', 'accepted_risk', 'false_positive'],
  verified: [],
  accepted_risk: [],
  false_positive: [],
};

export function allowedNext(state: VulnState): readonly VulnState[] {
  return NEXT[state];
}

export function canMove(from: VulnState, to: VulnState): boolean {
  return NEXT[from].includes(to);
}

export const STATE_NAMES: Record<VulnState, string> = {
  found: '已发现',
  plan_submitted: '已提交修复计划',
  fixing: '修复中',
  fixed: '已修复',
  verified: '已验证',
  accepted_risk: '接受风险',
  false_positive: '误报',
};

export const SEVERITY_NAMES: Record<string, string> = { critical: '严重', high: '高危', medium: '中危', low: '低危' };
