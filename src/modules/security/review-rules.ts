import { ROLE_PERMISSIONS, type Permission, type Role } from '../../platform/auth/permissions.js';

/*
 * Pure rules of the permission review's newer findings (docs/security-operations.md,
 * "Permission review"): accounts created in bulk or sharing a numbered name pattern, and the
 * permissions an account's role grants that the audit log shows it never used in the quarter.
 * No I/O, no clock of their own: the caller passes the accounts, the audit facts and `now`.
 */

/** At least this many accounts … */
export const BULK_MIN = 5;
/** … created by the same creator within this many minutes of each other are "created in bulk". */
export const BULK_WINDOW_MINUTES = 10;
/** At least this many accounts named `<prefix><number>` (user01, user02 …) share a name pattern. */
export const PATTERN_MIN = 3;
/** The quarter the unused-permission finding looks back over (days before the review opened). */
export const USAGE_WINDOW_DAYS = 90;

export interface CreatedAccount {
  username: string;
  createdAt: Date;
  /** Who created it (the audit log's `user.create`), null when unknown (seeded, CLI before auditing). */
  createdBy: string | null;
}

/**
 * Accounts created in bulk: per creator, every maximal run of accounts whose consecutive creation
 * times are at most BULK_WINDOW_MINUTES apart, when the run has at least BULK_MIN accounts.
 * Returns username → a description of its batch (first and last account, count, creator).
 */
export function bulkCreated(accounts: readonly CreatedAccount[]): Map<string, string> {
  const out = new Map<string, string>();
  const byCreator = new Map<string, CreatedAccount[]>();
  for (const a of accounts) {
    const key = a.createdBy ?? '';
    byCreator.set(key, [...(byCreator.get(key) ?? []), a]);
  }
  const gap = BULK_WINDOW_MINUTES * 60_000;
  for (const [creator, list] of byCreator) {
    const sorted = [...list].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.username.localeCompare(b.username));
    let run: CreatedAccount[] = [];
    const flush = () => {
      if (run.length >= BULK_MIN) {
        const text = `与另外 ${run.length - 1} 个账号在 ${Math.max(1, Math.round((run[run.length - 1]!.createdAt.getTime() - run[0]!.createdAt.getTime()) / 60_000))} 分钟内${creator ? `由 ${creator} ` : ''}批量创建（${run[0]!.username} … ${run[run.length - 1]!.username}）`;
        for (const a of run) out.set(a.username, text);
      }
      run = [];
    };
    for (const a of sorted) {
      if (run.length && a.createdAt.getTime() - run[run.length - 1]!.createdAt.getTime() > gap) flush();
      run.push(a);
    }
    flush();
  }
  return out;
}

/** `user01` → `user`; `ops-3` → `ops`; a name without trailing digits (or only digits) has no pattern. */
export function namePattern(username: string): string | null {
  const m = /^(.*?[a-z_.-])[-_.]?\d+$/i.exec(username);
  if (!m) return null;
  const prefix = m[1]!.replace(/[-_.]+$/, '').toLowerCase();
  return prefix.length >= 2 ? prefix : null;
}

/** Accounts sharing a numbered name pattern with at least PATTERN_MIN − 1 others: username → description. */
export function sharedNamePatterns(usernames: readonly string[]): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const u of usernames) {
    const p = namePattern(u);
    if (p) groups.set(p, [...(groups.get(p) ?? []), u]);
  }
  const out = new Map<string, string>();
  for (const [p, names] of groups) {
    if (names.length < PATTERN_MIN) continue;
    const sorted = [...names].sort();
    const text = `与另外 ${names.length - 1} 个账号同为「${p}+编号」命名（${sorted.slice(0, 5).join('、')}${sorted.length > 5 ? ' …' : ''}）`;
    for (const u of names) out.set(u, text);
  }
  return out;
}

/**
 * The permissions whose use the audit log proves, with the audited actions that count as using
 * them (reads that are not audited — registry:read, audit:read, payments:read — cannot be judged
 * and are left out).
 */
export const PERMISSION_EVIDENCE: Partial<Record<Permission, (action: string) => boolean>> = {
  pii: (a) => a.endsWith('.read_pii') || a === 'quarantine.read_body' || a === 'ticket.citizen_lookup',
  'users:manage': (a) => a.startsWith('user.create') || a === 'user.update' || a === 'user.reset_password' || a === 'user.totp_reset' || a.startsWith('security.review.') || a.startsWith('security.backup.'),
  'registry:write': (a) => /^(lot|district|operator|berth|onboarding)\./.test(a) || a === 'source.create' || a === 'source.update',
  'sources:secrets': (a) => a === 'source.create' || a === 'source.rotate_secret' || a === 'ticket_client.rotate_secret',
  ops: (a) => /^(ticket|incident|monitoring|inspection|work_report|security\.vulnerability|security\.deadline|notification_channel|quarantine|ingest)\./.test(a),
  'data:clean': (a) => a.startsWith('quality.'),
  'payments:manage': (a) => a.startsWith('payment_channel.') || a.startsWith('payment_recon.') || a.startsWith('payment_order.'),
  'sharing:approve': (a) => a.startsWith('sharing.statement.') || a.startsWith('sharing.owner.') || a === 'sharing.booking.cancel',
};

/** Names on screen (zh-CN) of the judged permissions. */
export const PERMISSION_NAMES: Record<string, string> = {
  pii: '查看个人信息', 'users:manage': '账号管理', 'registry:write': '资源登记修改', 'sources:secrets': '数据来源密钥', ops: '运维操作',
  'data:clean': '数据清洗', 'payments:manage': '支付通道管理', 'sharing:approve': '共享停车审批',
};

/**
 * The judged permissions `role` grants that none of `actions` (the account's successful audited
 * actions in the window) used. Empty when the account is too young to judge (created after the
 * window began) or disabled.
 */
export function unusedPermissions(role: string, actions: ReadonlySet<string>, account: { createdAt: Date; status: string }, windowStart: Date): Permission[] {
  if (account.status !== 'active' || account.createdAt > windowStart) return [];
  const granted = ROLE_PERMISSIONS[role as Role] ?? [];
  return granted.filter((p) => {
    const used = PERMISSION_EVIDENCE[p];
    if (!used) return false;
    for (const a of actions) if (used(a)) return false;
    return true;
  });
}

/** Start of the usage window of a review opened at `openedAt`. */
export const usageWindowStart = (openedAt: Date): Date => new Date(openedAt.getTime() - USAGE_WINDOW_DAYS * 86_400_000);
