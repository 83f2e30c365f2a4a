import type { ItemStatus } from './tables.js';

/*
 * The monthly inspection's checklist (巡检, docs/巡检与报告.md §4): what each automated check
 * measured and how that is judged — pure, no database; inspections.ts gathers the measurements.
 * Thresholds are the ones below; a check that cannot measure says so (warn, never a silent ok).
 */

export interface CheckItem {
  code: string;
  name: string;
  status: ItemStatus;
  detail: string;
  measured: string | null;
  threshold: string | null;
}

export interface Measurements {
  databaseBytes: number;
  /** The previous inspection's database size, for growth; null on the first run. */
  previousDatabaseBytes: number | null;
  /** Data sources with their newest receipt; minutes since it (null: never received). */
  sourceSilenceMinutes: (number | null)[];
  /** Quarantined batches still open, received in the last 30 days and the 30 before. */
  quarantineRecent: number;
  quarantinePrior: number;
  /** Jobs: names with failures in a row, and open platform alerts. */
  failingJobs: { job: string; failures: number }[];
  openPlatformAlerts: number;
  /** Newest verified backup; undefined: no backup module yet. */
  backupAgeHours: number | null | undefined;
  disk: { path: string; freeBytes: number; totalBytes: number } | null;
  /** Requests and 5xx answers this node served since it started. */
  requests: number;
  serverErrors: number;
  openSyncAlerts: number;
  lateLots: number;
  notificationFailures30d: number;
  notificationPending: number;
  /** Days until the public URL's certificate expires; 'off' when the URL is not https / not set; string: the error. */
  certificateDays: number | 'off' | { error: string };
  overdueIncidents: number;
  overdueTickets: number;
}

export const THRESHOLDS = {
  databaseWarnBytes: 50 * 1024 ** 3,
  databaseFailBytes: 200 * 1024 ** 3,
  /** Growth since the last inspection above which the size is worth a look. */
  databaseGrowthWarn: 0.5,
  silenceWarnMinutes: 120,
  silenceFailMinutes: 24 * 60,
  backupWarnHours: 36,
  backupFailHours: 7 * 24,
  diskWarnFree: 0.2,
  diskFailFree: 0.1,
  errorRateWarn: 0.01,
  errorRateFail: 0.05,
  certificateWarnDays: 30,
  certificateFailDays: 7,
  notificationFailuresWarn: 1,
  notificationFailuresFail: 20,
} as const;

const GB = 1024 ** 3;
const gb = (bytes: number) => `${(bytes / GB).toFixed(2)} GB`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const worst = (...s: ItemStatus[]): ItemStatus => (s.includes('fail') ? 'fail' : s.includes('warn') ? 'warn' : 'ok');

export function evaluateChecks(m: Measurements): CheckItem[] {
  const T = THRESHOLDS;
  const items: CheckItem[] = [];
  const add = (code: string, name: string, status: ItemStatus, detail: string, measured: string | null, threshold: string | null) =>
    items.push({ code, name, status, detail, measured, threshold });

  {
    const growth = m.previousDatabaseBytes && m.previousDatabaseBytes > 0 ? (m.databaseBytes - m.previousDatabaseBytes) / m.previousDatabaseBytes : null;
    const status = worst(
      m.databaseBytes >= T.databaseFailBytes ? 'fail' : m.databaseBytes >= T.databaseWarnBytes ? 'warn' : 'ok',
      growth !== null && growth > T.databaseGrowthWarn ? 'warn' : 'ok',
    );
    add('database_size', '数据库容量与增长', status,
      `数据库 ${gb(m.databaseBytes)}${growth === null ? '（首次巡检，无增长对比）' : `，较上次巡检 ${growth >= 0 ? '+' : ''}${pct(growth)}`}`,
      String(m.databaseBytes), `告警 ≥ ${gb(T.databaseWarnBytes)}，故障 ≥ ${gb(T.databaseFailBytes)}；增长 > ${pct(T.databaseGrowthWarn)} 告警`);
  }
  {
    const never = m.sourceSilenceMinutes.filter((x) => x === null).length;
    const silent = m.sourceSilenceMinutes.filter((x): x is number => x !== null);
    const fail = silent.filter((x) => x > T.silenceFailMinutes).length;
    const warn = silent.filter((x) => x > T.silenceWarnMinutes).length;
    const status: ItemStatus = fail ? 'fail' : warn ? 'warn' : 'ok';
    add('ingest_lag', '数据接入延迟', status,
      m.sourceSilenceMinutes.length === 0 ? '尚无数据来源' : `${m.sourceSilenceMinutes.length} 个数据来源：${warn} 个超过 ${T.silenceWarnMinutes} 分钟未上传（其中 ${fail} 个超过 24 小时），${never} 个从未上传；${m.lateLots} 个停车场数据迟到`,
      `max ${silent.length ? Math.max(...silent) : 0} min`, `告警 > ${T.silenceWarnMinutes} 分钟，故障 > ${T.silenceFailMinutes} 分钟`);
  }
  add('quarantine_growth', '隔离区增长', m.quarantineRecent > m.quarantinePrior && m.quarantineRecent > 0 ? 'warn' : 'ok',
    `近 30 天未处理的隔离批次 ${m.quarantineRecent} 个，此前 30 天 ${m.quarantinePrior} 个`, String(m.quarantineRecent), '较前 30 天增长即告警');
  add('jobs', '定时任务运行', m.failingJobs.some((j) => j.failures >= 3) ? 'fail' : m.failingJobs.length || m.openPlatformAlerts ? 'warn' : 'ok',
    m.failingJobs.length ? `连续失败：${m.failingJobs.map((j) => `${j.job}（${j.failures} 次）`).join('、')}；平台告警 ${m.openPlatformAlerts} 个` : `全部任务最近一次运行成功；平台告警 ${m.openPlatformAlerts} 个`,
    String(m.failingJobs.length), '连续失败 ≥ 3 次为故障');
  if (m.backupAgeHours === undefined || m.backupAgeHours === null) {
    add('backup_age', '备份时效', 'warn', m.backupAgeHours === undefined ? '未知：平台尚未记录备份（请按运维手册执行 zhibo backup 并核验）' : '尚无已核验的备份', null, `告警 > ${T.backupWarnHours} 小时`);
  } else {
    add('backup_age', '备份时效', m.backupAgeHours > T.backupFailHours ? 'fail' : m.backupAgeHours > T.backupWarnHours ? 'warn' : 'ok',
      `最近一次备份在 ${m.backupAgeHours.toFixed(1)} 小时前`, `${m.backupAgeHours.toFixed(1)} h`, `告警 > ${T.backupWarnHours} 小时，故障 > ${T.backupFailHours} 小时`);
  }
  if (!m.disk) {
    add('disk_free', '数据目录磁盘空间', 'warn', '无法读取数据目录所在磁盘', null, null);
  } else {
    const free = m.disk.totalBytes ? m.disk.freeBytes / m.disk.totalBytes : 0;
    add('disk_free', '数据目录磁盘空间', free < T.diskFailFree ? 'fail' : free < T.diskWarnFree ? 'warn' : 'ok',
      `${m.disk.path}：可用 ${gb(m.disk.freeBytes)} / 共 ${gb(m.disk.totalBytes)}（${pct(free)}）`, pct(free), `告警 < ${pct(T.diskWarnFree)}，故障 < ${pct(T.diskFailFree)}`);
  }
  {
    const rate = m.requests ? m.serverErrors / m.requests : 0;
    add('error_rate', '接口错误率', rate > T.errorRateFail ? 'fail' : rate > T.errorRateWarn ? 'warn' : 'ok',
      `本节点启动以来 ${m.requests} 次请求，5xx ${m.serverErrors} 次`, pct(rate), `告警 > ${pct(T.errorRateWarn)}，故障 > ${pct(T.errorRateFail)}`);
  }
  add('sync_health', '数据同步健康', m.openSyncAlerts > 0 ? 'warn' : 'ok',
    `未关闭的同步告警 ${m.openSyncAlerts} 个；数据迟到的停车场 ${m.lateLots} 个`, String(m.openSyncAlerts), '有未关闭告警即告警');
  add('notification_delivery', '通知发送', m.notificationFailures30d >= T.notificationFailuresFail ? 'fail' : m.notificationFailures30d >= T.notificationFailuresWarn ? 'warn' : 'ok',
    `近 30 天发送失败 ${m.notificationFailures30d} 条，待发送 ${m.notificationPending} 条`, String(m.notificationFailures30d),
    `告警 ≥ ${T.notificationFailuresWarn} 条，故障 ≥ ${T.notificationFailuresFail} 条`);
  if (m.certificateDays === 'off') {
    add('certificate_expiry', '证书有效期', 'ok', '未配置 https 的 ZHIBO_PUBLIC_URL，跳过', null, `告警 < ${T.certificateWarnDays} 天`);
  } else if (typeof m.certificateDays === 'object') {
    add('certificate_expiry', '证书有效期', 'warn', `无法读取证书：${m.certificateDays.error}`, null, `告警 < ${T.certificateWarnDays} 天`);
  } else {
    const d = m.certificateDays;
    add('certificate_expiry', '证书有效期', d < T.certificateFailDays ? 'fail' : d < T.certificateWarnDays ? 'warn' : 'ok',
      `公网地址证书 ${Math.floor(d)} 天后到期`, `${Math.floor(d)} d`, `告警 < ${T.certificateWarnDays} 天，故障 < ${T.certificateFailDays} 天`);
  }
  add('overdue', '逾期事项', m.overdueIncidents + m.overdueTickets > 0 ? 'warn' : 'ok',
    `超时未完成：系统事件 ${m.overdueIncidents} 项，工单 ${m.overdueTickets} 项`, String(m.overdueIncidents + m.overdueTickets), '有逾期即告警');
  return items;
}
