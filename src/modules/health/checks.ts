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
  /** Hours since the newest backup was taken; 'off': no backup folder configured; error: none readable. */
  backupAgeHours: number | 'off' | { error: string };
  disk: { path: string; freeBytes: number; totalBytes: number } | null;
  /** Requests and 5xx answers this node served since it started. */
  requests: number;
  serverErrors: number;
  openSyncAlerts: number;
  lateLots: number;
  notificationFailures30d: number;
  notificationPending: number;
  /** Days until each TLS certificate expires (the public URL, the notification channels' endpoints), or the error. */
  certificates: { name: string; days: number | { error: string } }[];
  overdueIncidents: number;
  overdueTickets: number;
  /** The largest tables with their dead rows; indexes never scanned (> 8 MB). */
  tables: { name: string; bytes: number; live: number; dead: number }[];
  unusedIndexes: { name: string; bytes: number }[];
  /** The slowest statements by mean time, or why they cannot be read. */
  slowQueries: { queries: { text: string; calls: number; meanMs: number }[] } | { unavailable: string };
  security: { overdueVulnerabilities: number; openSevere: number; quarter: string; reviewJobSucceededThisQuarter: boolean; quarterDay: number };
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
  /** Dead rows as a share of a table's rows, counted for tables of at least `bloatMinRows` rows. */
  bloatWarn: 0.2,
  bloatFail: 0.5,
  bloatMinRows: 10_000,
  slowQueryWarnMs: 1_000,
  slowQueryFailMs: 5_000,
  /** The quarter's permission review is opened in its first 7 days (security.review-open). */
  reviewOpenDays: 7,
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
  if (m.backupAgeHours === 'off') {
    add('backup_age', '备份时效', 'warn', '未配置备份目录 ZHIBO_BACKUP_DIR，无法确认有备份（请按运维手册定期执行 zhibo backup 并核验）', null, `告警 > ${T.backupWarnHours} 小时`);
  } else if (typeof m.backupAgeHours === 'object') {
    add('backup_age', '备份时效', 'fail', `没有可读的备份：${m.backupAgeHours.error}`, null, `告警 > ${T.backupWarnHours} 小时，故障 > ${T.backupFailHours} 小时`);
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
  {
    const threshold = `告警 < ${T.certificateWarnDays} 天，故障 < ${T.certificateFailDays} 天`;
    if (!m.certificates.length) {
      add('certificate_expiry', '证书有效期', 'ok', '未配置 https 的 ZHIBO_PUBLIC_URL，也没有启用的 https 通知渠道，跳过', null, threshold);
    } else {
      const judged = m.certificates.map((c) => ({
        ...c,
        status: (typeof c.days === 'object' ? 'warn' : c.days < T.certificateFailDays ? 'fail' : c.days < T.certificateWarnDays ? 'warn' : 'ok') as ItemStatus,
        text: typeof c.days === 'object' ? `${c.name}：无法读取证书（${c.days.error}）` : `${c.name}：${Math.floor(c.days)} 天后到期`,
      }));
      const days = judged.map((c) => c.days).filter((d): d is number => typeof d === 'number');
      add('certificate_expiry', '证书有效期', worst(...judged.map((c) => c.status)), judged.map((c) => c.text).join('；'),
        days.length ? `${Math.floor(Math.min(...days))} d` : null, threshold);
    }
  }
  add('overdue', '逾期事项', m.overdueIncidents + m.overdueTickets > 0 ? 'warn' : 'ok',
    `超时未完成：系统事件 ${m.overdueIncidents} 项，工单 ${m.overdueTickets} 项`, String(m.overdueIncidents + m.overdueTickets), '有逾期即告警');
  {
    const big = m.tables.filter((t) => t.live + t.dead >= T.bloatMinRows);
    const ratio = (t: { live: number; dead: number }) => t.dead / (t.live + t.dead);
    const worstTable = [...big].sort((a, b) => ratio(b) - ratio(a))[0];
    const r = worstTable ? ratio(worstTable) : 0;
    const top = m.tables.slice(0, 3).map((t) => `${t.name} ${gb(t.bytes)}`).join('、');
    add('table_bloat', '表膨胀与索引', r > T.bloatFail ? 'fail' : r > T.bloatWarn ? 'warn' : 'ok',
      `${worstTable ? `死行比例最高：${worstTable.name} ${pct(r)}（${worstTable.dead} / ${worstTable.live + worstTable.dead} 行）` : `没有 ≥ ${T.bloatMinRows} 行的表`}；最大的表：${top || '—'}；`
        + (m.unusedIndexes.length ? `从未使用的索引（> 8 MB）：${m.unusedIndexes.map((i) => `${i.name} ${gb(i.bytes)}`).join('、')}` : '无从未使用的大索引'),
      pct(r), `≥ ${T.bloatMinRows} 行的表死行比例：告警 > ${pct(T.bloatWarn)}，故障 > ${pct(T.bloatFail)}（VACUUM 跟不上）`);
  }
  if ('unavailable' in m.slowQueries) {
    add('slow_queries', '慢查询', 'ok', `未测量：${m.slowQueries.unavailable}`, null, `平均耗时告警 > ${T.slowQueryWarnMs} ms，故障 > ${T.slowQueryFailMs} ms`);
  } else {
    const q = m.slowQueries.queries;
    const slowest = q[0]?.meanMs ?? 0;
    add('slow_queries', '慢查询', slowest > T.slowQueryFailMs ? 'fail' : slowest > T.slowQueryWarnMs ? 'warn' : 'ok',
      q.length ? `平均耗时最长的语句：${q.slice(0, 3).map((x) => `${x.meanMs.toFixed(0)} ms × ${x.calls} 次「${x.text}」`).join('；')}` : 'pg_stat_statements 暂无调用 ≥ 5 次的语句',
      `${slowest.toFixed(0)} ms`, `平均耗时告警 > ${T.slowQueryWarnMs} ms，故障 > ${T.slowQueryFailMs} ms（调用 ≥ 5 次）`);
  }
  {
    const s = m.security;
    add('vulnerabilities', '安全漏洞', s.overdueVulnerabilities > 0 ? 'fail' : s.openSevere > 0 ? 'warn' : 'ok',
      `超期未提交修复计划 ${s.overdueVulnerabilities} 个；未修复的严重/高危漏洞 ${s.openSevere} 个`, String(s.overdueVulnerabilities),
      '超期即故障；有未修复的严重/高危即告警');
    const due = !s.reviewJobSucceededThisQuarter && s.quarterDay > T.reviewOpenDays;
    add('permission_review', '权限审查', due ? 'warn' : 'ok',
      due ? `${s.quarter} 季度已过 ${T.reviewOpenDays} 天，开启季度权限审查的任务 security.review-open 本季度未成功运行，请在“安全运维”页检查本季度审查`
        : `${s.quarter} 季度权限审查${s.reviewJobSucceededThisQuarter ? '的开启任务本季度已运行' : `在季度前 ${T.reviewOpenDays} 天内开启`}；签署情况见“安全运维”页`,
      null, `季度开始 ${T.reviewOpenDays} 天后开启任务仍未成功运行即告警`);
  }
  return items;
}
