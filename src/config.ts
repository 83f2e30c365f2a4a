import path from 'node:path';
import { parseIpRange } from './platform/ip-ranges.js';
import { isOutboundAllowEntry } from './platform/outbound.js';

/** One validated configuration object, read once at start from the environment and CLI flags. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  /**
   * A streaming replica of the primary (docs/deployment.md §4): analytics, exports, reports and
   * public availability read from it while it answers and is fresh (src/db/replica.ts). Null: primary only.
   */
  replicaUrl?: string | null;
  /** Replay lag beyond which reads fall back to the primary (seconds; docs/decisions/0031-read-replica.md). */
  replicaMaxLagSeconds?: number;
  adminPassword: string | null;
  tokenTtlMinutes: number;
  /** Wrong passwords in a row that lock one (username, client address) pair. */
  loginMaxFailures: number;
  /** Wrong passwords in a row, from any addresses, that lock the account itself. */
  loginAccountMaxFailures: number;
  loginLockMinutes: number;
  /**
   * Sign-in security for 等保 (docs/等保自查.md, decision 0023). loginCaptchaAfter: wrong
   * sign-ins of a (username, address) pair — or of an address, three times as many — after
   * which the login page asks for a captcha (0: never). loginRatePerMinute: sign-in and captcha
   * requests per client address a minute (the app's shared rate limiter, Redis when configured).
   */
  loginCaptchaAfter: number;
  loginRatePerMinute: number;
  /** TOTP second factor required for admin and pii-holding users (they must enrol); others may enrol. */
  totpRequired: boolean;
  /** Days a password is good for before it must be changed (0: never expires). */
  passwordMaxAgeDays: number;
  /** Earlier passwords a new one may not repeat, the current one included (0: no rule). */
  passwordHistory: number;
  /** Minutes without a request after which a token is refused, and the console signs out (0: never). */
  sessionIdleMinutes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  webDir: string | null;
  /**
   * Addresses and CIDR ranges of our own reverse proxies: only a request whose peer is one of them
   * has its client address taken from X-Forwarded-For. Empty: the socket address, always.
   */
  trustProxy: string[];
  /** An entry still open after this many days is flagged stale (its exit was probably lost). */
  staleSessionDays: number;
  /** Default minutes of silence before a lot's data is late (sources and lots may override). */
  lateThresholdMinutes: number;
  /** Minutes between reminders of an open, unacknowledged monitoring alert. */
  alertRemindMinutes: number;
  /** Outages of one source within 30 days that mark it for technical diagnosis (长期问题接入单位). */
  problemSourceOutages: number;
  /** Plate searches a user without `pii` may run per minute (parking records, tickets; 429 beyond). */
  plateSearchPerMinute: number;
  /** Calls per minute one client address may make to the public service (/api/v1/public/lots…, guidance; 429 beyond). */
  publicRatePerMinute: number;
  /**
   * Seconds the public service may answer nearby queries from one in-memory snapshot of the public
   * lots and their newest status (src/modules/public/snapshot.ts). 0 or absent: read every time.
   */
  publicCacheSeconds?: number;
  /**
   * redis:// address of a Redis shared by the app nodes: rate limits (public service, plate
   * searches) are then counted there, across nodes. Null: each node counts in memory.
   */
  redisUrl?: string | null;
  /** The console's address as users reach it (https://…), for links in e-mails and robot messages. */
  publicUrl?: string | null;
  /** ZHIBO_PAYMENT_BILLS_DIR: where the channels' daily bills are dropped (<dir>/<channel code>/<file with the date>), imported hourly. */
  paymentBillsDir?: string | null;
  /** ZHIBO_CONNECTOR_DROP_DIR: the folder under which file-drop connectors have their folders (docs/数据对接.md §2.3). Null: no file connectors. */
  connectorDropDir?: string | null;
  /**
   * ZHIBO_METRICS_TOKEN: a scrape token that GET /metrics accepts as a bearer token besides a staff
   * token with the ops permission (modules/health). Null: staff tokens only.
   */
  metricsToken?: string | null;
  /**
   * Hosts and address ranges that robots, SMTP servers and ticket callbacks may reach although
   * they are loopback, link-local or private (src/platform/outbound.ts). Empty: none.
   */
  outboundAllow: string[];
  /**
   * The city SMS gateway for citizen verification codes (src/platform/sms.ts): an http(s)
   * address that takes a JSON POST. Null: the development sender, which writes codes to the log.
   */
  smsUrl?: string | null;
  /** Bearer token sent to the SMS gateway. */
  smsToken?: string | null;
  /**
   * ZHIBO_BACKUP_KEY: encrypts backups (AES-256-GCM) when set — 64 hex digits / base64 of 32 bytes,
   * or a passphrase of at least 16 characters. Keep it away from the backup files.
   */
  backupKey?: string | null;
  /** ZHIBO_PG_BIN_DIR: the folder of pg_dump / pg_restore when not /usr/lib/postgresql/<major>/bin. */
  pgBinDir?: string | null;
  /**
   * The 5xx-rate platform alert (docs/巡检与报告.md §3): over the last ZHIBO_ERROR_RATE_WINDOW_MINUTES
   * (default 10), at least ZHIBO_ERROR_RATE_MIN_REQUESTS answers (default 50) of which more than
   * ZHIBO_ERROR_RATE_PERCENT percent (default 5) were 5xx.
   */
  errorRateWindowMinutes?: number;
  errorRateMinRequests?: number;
  errorRatePercent?: number;
  /** ZHIBO_BACKUP_DIR: where the server writes its own backups (default `<data dir>/backups`); the monthly inspection reads the newest backup's manifest there for the backup-age check. */
  backupDir?: string | null;
  /** ZHIBO_BACKUP_TIME: the daily backup's Shanghai time `HH:MM` (default 02:30); null (`off`): no scheduled backups. */
  backupTime?: string | null;
  /** ZHIBO_BACKUP_RETENTION: `daily,weekly,monthly` backups kept (default 7,4,12). */
  backupRetention?: RetentionPolicy;
  /** ZHIBO_EVENT_RETENTION_MONTHS: raw ingest_events kept this many whole months before they move to the archive (default 13; docs/decisions/0032-archive-by-batched-delete.md). */
  eventRetentionMonths?: number;
  /** ZHIBO_QUARANTINE_RETENTION_DAYS: resolved quarantine rows kept this many days (default 90). */
  quarantineRetentionDays?: number;
  /** ZHIBO_ARCHIVE_DIR: where the archive files go (default `<data dir>/archive`). */
  archiveDir?: string | null;
  /** ZHIBO_PHOTO_DIR: where uploaded entry/exit snapshots go (default `<data dir>/photos`; docs/decisions/0036-photo-store.md). */
  photoDir?: string | null;
  /** ZHIBO_PHOTO_RETENTION_DAYS: stored snapshots kept this many days after their last upload, unless an open work order's record shows them (default 180). */
  photoRetentionDays?: number;
}

/* The server's own backups (docs/security-operations.md, "Scheduled backups"). */
export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { daily: 7, weekly: 4, monthly: 12 };
export const DEFAULT_BACKUP_TIME = '02:30';
/** `HH:MM` (00:00–23:59) → minutes after midnight, or null. */
export function parseBackupTime(text: string): number | null {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** `daily,weekly,monthly` counts (`7,4,12`), each 0–1000, daily at least 1; null when malformed. */
export function parseRetention(text: string): RetentionPolicy | null {
  const parts = text.split(',').map((x) => x.trim());
  if (parts.length !== 3 || !parts.every((x) => /^\d{1,4}$/.test(x))) return null;
  const [daily, weekly, monthly] = parts.map(Number) as [number, number, number];
  if (daily < 1 || daily > 1000 || weekly > 1000 || monthly > 1000) return null;
  return { daily, weekly, monthly };
}

/** A setting with a bad value: the CLI prints the message and exits 2, never a stack trace. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`配置错误 / invalid setting ${setting}: ${message}`);
  }
}

export interface ConfigFlags {
  port?: string | number;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function int(setting: string, raw: string | number | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(setting, `expected an integer ${min}..${max}, got "${raw}"`);
  }
  return n;
}

/** An on/off switch: on, true, yes, 1 or off, false, no, 0 (empty: off). */
function onOff(setting: string, raw: string | undefined): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  throw new ConfigError(setting, `expected on or off, got "${raw}"`);
}

/**
 * ZHIBO_TRUST_PROXY: a comma list of proxy addresses or CIDR ranges. `false` or empty trusts none;
 * `true` (trust any peer's X-Forwarded-For, so anyone could pick their own address) is refused.
 */
function trustedProxies(raw: string | undefined): string[] {
  const value = (raw ?? '').trim();
  if (value === '' || ['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return [];
  if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) {
    throw new ConfigError('ZHIBO_TRUST_PROXY', 'true is no longer accepted: list the addresses or CIDR ranges of your reverse proxies, e.g. ZHIBO_TRUST_PROXY=127.0.0.1,10.0.0.0/8 (false or empty trusts none)');
  }
  return value.split(',').map((item) => {
    const entry = item.trim();
    if (!parseIpRange(entry)) {
      throw new ConfigError('ZHIBO_TRUST_PROXY', `expected a comma list of proxy addresses or CIDR ranges, got "${entry}"`);
    }
    return entry;
  });
}

/** ZHIBO_OUTBOUND_ALLOW: a comma list of host names, addresses and CIDR ranges. */
function outboundAllowList(raw: string | undefined): string[] {
  const value = (raw ?? '').trim();
  if (value === '') return [];
  return value.split(',').map((item) => {
    const entry = item.trim();
    if (!isOutboundAllowEntry(entry)) {
      throw new ConfigError('ZHIBO_OUTBOUND_ALLOW', `expected a comma list of host names, addresses or CIDR ranges, got "${entry}"`);
    }
    return entry;
  });
}

function redisUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  if (!/^rediss?:\/\/[^\s]+$/.test(raw)) throw new ConfigError('ZHIBO_REDIS_URL', 'expected a redis:// or rediss:// address, e.g. redis://127.0.0.1:6379');
  return raw;
}

function smsUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  if (!/^https?:\/\/[^\s/]+/.test(raw)) throw new ConfigError('ZHIBO_SMS_URL', 'expected an http:// or https:// address of the SMS gateway');
  return raw;
}

function metricsToken(raw: string | undefined): string | null {
  if (!raw) return null;
  if (raw.length < 16 || /\s/.test(raw)) throw new ConfigError('ZHIBO_METRICS_TOKEN', 'expected at least 16 characters without spaces');
  return raw;
}

function backupKey(raw: string | undefined): string | null {
  if (!raw) return null;
  if (raw.trim().length < 16) throw new ConfigError('ZHIBO_BACKUP_KEY', 'expected 64 hex digits, base64 of 32 bytes, or a passphrase of at least 16 characters');
  return raw.trim();
}

function backupTime(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return DEFAULT_BACKUP_TIME;
  if (raw.trim().toLowerCase() === 'off') return null;
  if (parseBackupTime(raw) === null) throw new ConfigError('ZHIBO_BACKUP_TIME', 'expected HH:MM (Shanghai time) or off');
  return raw.trim();
}

function backupRetention(raw: string | undefined): RetentionPolicy {
  if (!raw) return DEFAULT_RETENTION;
  const r = parseRetention(raw);
  if (!r) throw new ConfigError('ZHIBO_BACKUP_RETENTION', 'expected daily,weekly,monthly counts such as 7,4,12 (daily at least 1)');
  return r;
}

function publicUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  if (!/^https?:\/\/[^\s/]+/.test(raw)) throw new ConfigError('ZHIBO_PUBLIC_URL', 'expected an http:// or https:// address');
  return raw.replace(/\/+$/, '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const databaseUrl = flags.databaseUrl ?? env.ZHIBO_DATABASE_URL ?? null;
  if (databaseUrl !== null && databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('ZHIBO_DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  const replicaUrl = env.ZHIBO_DATABASE_REPLICA_URL || null;
  if (replicaUrl !== null) {
    if (!/^postgres(ql)?:\/\//.test(replicaUrl)) throw new ConfigError('ZHIBO_DATABASE_REPLICA_URL', 'must start with postgres:// or postgresql://');
    if (!databaseUrl) throw new ConfigError('ZHIBO_DATABASE_REPLICA_URL', 'needs ZHIBO_DATABASE_URL (a replica of the embedded database does not exist)');
  }
  const logLevel = (env.ZHIBO_LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('ZHIBO_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const adminPassword = env.ZHIBO_ADMIN_PASSWORD || null;
  return {
    port: int('--port / ZHIBO_PORT', flags.port ?? env.ZHIBO_PORT, 8080, 0, 65535),
    host: flags.host ?? env.ZHIBO_HOST ?? '0.0.0.0',
    dataDir: path.resolve(flags.dataDir ?? env.ZHIBO_DATA_DIR ?? './data'),
    databaseUrl: databaseUrl || null,
    replicaUrl,
    replicaMaxLagSeconds: int('ZHIBO_REPLICA_MAX_LAG_SECONDS', env.ZHIBO_REPLICA_MAX_LAG_SECONDS, 30, 1, 86_400),
    adminPassword,
    tokenTtlMinutes: int('ZHIBO_TOKEN_TTL_MINUTES', env.ZHIBO_TOKEN_TTL_MINUTES, 720, 1, 60 * 24 * 30),
    loginMaxFailures: int('ZHIBO_LOGIN_MAX_FAILURES', env.ZHIBO_LOGIN_MAX_FAILURES, 5, 1, 100),
    loginAccountMaxFailures: int('ZHIBO_LOGIN_ACCOUNT_MAX_FAILURES', env.ZHIBO_LOGIN_ACCOUNT_MAX_FAILURES, 20, 1, 1000),
    loginLockMinutes: int('ZHIBO_LOGIN_LOCK_MINUTES', env.ZHIBO_LOGIN_LOCK_MINUTES, 15, 1, 24 * 60),
    loginCaptchaAfter: int('ZHIBO_LOGIN_CAPTCHA_AFTER', env.ZHIBO_LOGIN_CAPTCHA_AFTER, 3, 0, 100),
    loginRatePerMinute: int('ZHIBO_LOGIN_RATE_PER_MINUTE', env.ZHIBO_LOGIN_RATE_PER_MINUTE, 30, 1, 100_000),
    totpRequired: onOff('ZHIBO_TOTP_REQUIRED', env.ZHIBO_TOTP_REQUIRED),
    passwordMaxAgeDays: int('ZHIBO_PASSWORD_MAX_AGE_DAYS', env.ZHIBO_PASSWORD_MAX_AGE_DAYS, 0, 0, 3650),
    passwordHistory: int('ZHIBO_PASSWORD_HISTORY', env.ZHIBO_PASSWORD_HISTORY, 5, 0, 24),
    sessionIdleMinutes: int('ZHIBO_SESSION_IDLE_MINUTES', env.ZHIBO_SESSION_IDLE_MINUTES, 30, 0, 24 * 60),
    logLevel,
    webDir: env.ZHIBO_WEB_DIR ?? null,
    trustProxy: trustedProxies(env.ZHIBO_TRUST_PROXY),
    staleSessionDays: int('ZHIBO_STALE_SESSION_DAYS', env.ZHIBO_STALE_SESSION_DAYS, 3, 1, 365),
    lateThresholdMinutes: int('ZHIBO_LATE_THRESHOLD_MINUTES', env.ZHIBO_LATE_THRESHOLD_MINUTES, 120, 5, 10080),
    alertRemindMinutes: int('ZHIBO_ALERT_REMIND_MINUTES', env.ZHIBO_ALERT_REMIND_MINUTES, 60, 1, 10080),
    problemSourceOutages: int('ZHIBO_PROBLEM_SOURCE_OUTAGES', env.ZHIBO_PROBLEM_SOURCE_OUTAGES, 3, 1, 1000),
    plateSearchPerMinute: int('ZHIBO_PLATE_SEARCH_PER_MINUTE', env.ZHIBO_PLATE_SEARCH_PER_MINUTE, 30, 1, 10_000),
    publicRatePerMinute: int('ZHIBO_PUBLIC_RATE_PER_MINUTE', env.ZHIBO_PUBLIC_RATE_PER_MINUTE, 120, 1, 100_000),
    publicCacheSeconds: int('ZHIBO_PUBLIC_CACHE_SECONDS', env.ZHIBO_PUBLIC_CACHE_SECONDS, 5, 0, 60),
    redisUrl: redisUrl(env.ZHIBO_REDIS_URL),
    publicUrl: publicUrl(env.ZHIBO_PUBLIC_URL),
    metricsToken: metricsToken(env.ZHIBO_METRICS_TOKEN),
    paymentBillsDir: env.ZHIBO_PAYMENT_BILLS_DIR ? path.resolve(env.ZHIBO_PAYMENT_BILLS_DIR) : null,
    connectorDropDir: env.ZHIBO_CONNECTOR_DROP_DIR ? path.resolve(env.ZHIBO_CONNECTOR_DROP_DIR) : null,
    outboundAllow: outboundAllowList(env.ZHIBO_OUTBOUND_ALLOW),
    smsUrl: smsUrl(env.ZHIBO_SMS_URL),
    smsToken: env.ZHIBO_SMS_TOKEN || null,
    backupKey: backupKey(env.ZHIBO_BACKUP_KEY),
    pgBinDir: env.ZHIBO_PG_BIN_DIR ? path.resolve(env.ZHIBO_PG_BIN_DIR) : null,
    backupDir: env.ZHIBO_BACKUP_DIR ? path.resolve(env.ZHIBO_BACKUP_DIR) : null,
    errorRateWindowMinutes: int('ZHIBO_ERROR_RATE_WINDOW_MINUTES', env.ZHIBO_ERROR_RATE_WINDOW_MINUTES, 10, 1, 24 * 60),
    errorRateMinRequests: int('ZHIBO_ERROR_RATE_MIN_REQUESTS', env.ZHIBO_ERROR_RATE_MIN_REQUESTS, 50, 1, 1_000_000),
    errorRatePercent: int('ZHIBO_ERROR_RATE_PERCENT', env.ZHIBO_ERROR_RATE_PERCENT, 5, 1, 100),
    backupTime: backupTime(env.ZHIBO_BACKUP_TIME),
    backupRetention: backupRetention(env.ZHIBO_BACKUP_RETENTION),
    eventRetentionMonths: int('ZHIBO_EVENT_RETENTION_MONTHS', env.ZHIBO_EVENT_RETENTION_MONTHS, 13, 1, 1200),
    quarantineRetentionDays: int('ZHIBO_QUARANTINE_RETENTION_DAYS', env.ZHIBO_QUARANTINE_RETENTION_DAYS, 90, 1, 36500),
    archiveDir: env.ZHIBO_ARCHIVE_DIR ? path.resolve(env.ZHIBO_ARCHIVE_DIR) : null,
    photoDir: env.ZHIBO_PHOTO_DIR ? path.resolve(env.ZHIBO_PHOTO_DIR) : null,
    photoRetentionDays: int('ZHIBO_PHOTO_RETENTION_DAYS', env.ZHIBO_PHOTO_RETENTION_DAYS, 180, 1, 36500),
  };
}
