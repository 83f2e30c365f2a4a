import type { ColumnType, Generated } from 'kysely';
import type { Role } from '../../platform/auth/permissions.js';

/** Roles are the platform's (src/platform/auth); accounts stores each user's. */
export type { Role };

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string | null;
  password_hash: string;
  role: Role;
  district_code: string | null;
  status: ColumnType<'active' | 'disabled', 'active' | 'disabled' | undefined>;
  /** A program of the platform's own (migration 0033): tokens from `issueSystemToken`, audited as role `system`. */
  system: ColumnType<boolean, boolean | undefined, boolean>;
  failed_logins: Generated<number>;
  locked_until: Date | null;
  last_login_at: Date | null;
  password_changed_at: Generated<Date>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AuthTokensTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
  /** Last request with the token (migration 0031): idle tokens are refused (ZHIBO_SESSION_IDLE_MINUTES). */
  last_used_at: Date | null;
}

/** Wrong passwords per (username, client address), for unknown usernames too (migration 0016). */
export interface LoginFailuresTable {
  username: string;
  ip: string;
  failures: number;
  locked_until: Date | null;
  updated_at: Date;
}

/** Login captchas (migration 0031): the answer as a hash, good once and for a few minutes. */
export interface LoginCaptchasTable {
  id: string;
  answer_hash: string;
  ip: string;
  expires_at: Date;
  created_at: Date;
}

/** A user's TOTP secret, sealed; enabled_at null while enrolment is not confirmed (migration 0031). */
export interface UserTotpTable {
  user_id: number;
  secret: string;
  enabled_at: Date | null;
  last_step: ColumnType<number, number | undefined, number>;
  created_at: Date;
}

export interface UserRecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  used_at: Date | null;
}

export interface PasswordHistoryTable {
  id: Generated<number>;
  user_id: number;
  password_hash: string;
  changed_at: Date;
}

export interface AccountsTables {
  login_captchas: LoginCaptchasTable;
  user_totp: UserTotpTable;
  user_recovery_codes: UserRecoveryCodesTable;
  password_history: PasswordHistoryTable;
  users: UsersTable;
  auth_tokens: AuthTokensTable;
  login_failures: LoginFailuresTable;
}
