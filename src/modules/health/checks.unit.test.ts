import { describe, expect, it } from 'vitest';
import { evaluateChecks, type Measurements } from './checks.js';
import { isFirstWorkingDayOfMonth } from './schedule.js';

const GB = 1024 ** 3;
const base: Measurements = {
  databaseBytes: GB, previousDatabaseBytes: null, sourceSilenceMinutes: [5, 30], quarantineRecent: 0, quarantinePrior: 0,
  failingJobs: [], openPlatformAlerts: 0, backupAgeHours: 10, disk: { path: '/data', freeBytes: 50 * GB, totalBytes: 100 * GB },
  requests: 1000, serverErrors: 0, openSyncAlerts: 0, lateLots: 0, notificationFailures30d: 0, notificationPending: 0,
  certificates: [], overdueIncidents: 0, overdueTickets: 0,
  tables: [{ name: 'sessions', bytes: GB, live: 1_000_000, dead: 1_000 }], unusedIndexes: [],
  slowQueries: { queries: [{ text: 'select 1', calls: 10, meanMs: 3 }] },
  security: { overdueVulnerabilities: 0, openSevere: 0, quarter: '2026Q4', reviewJobSucceededThisQuarter: true, quarterDay: 68 },
};
const cert = (days: number | { error: string }) => ({ certificates: [{ name: '公网地址', days }, { name: '通知渠道', days: 300 }] });
const status = (m: Partial<Measurements>) => Object.fromEntries(evaluateChecks({ ...base, ...m }).map((i) => [i.code, i.status]));

describe('inspection checks: thresholds', () => {
  it('all ok on a healthy platform; each item has a threshold or says why not', () => {
    const items = evaluateChecks(base);
    expect(items.every((i) => i.status === 'ok')).toBe(true);
    expect(items.map((i) => i.code)).toEqual(['database_size', 'ingest_lag', 'quarantine_growth', 'jobs', 'backup_age', 'disk_free', 'error_rate', 'sync_health', 'notification_delivery', 'certificate_expiry', 'overdue', 'table_bloat', 'slow_queries', 'vulnerabilities', 'permission_review']);
  });

  it('judges each measurement at its boundaries', () => {
    expect(status({ databaseBytes: 50 * GB }).database_size).toBe('warn');
    expect(status({ databaseBytes: 200 * GB }).database_size).toBe('fail');
    expect(status({ databaseBytes: 1.6 * GB, previousDatabaseBytes: GB }).database_size).toBe('warn');
    expect(status({ sourceSilenceMinutes: [121] }).ingest_lag).toBe('warn');
    expect(status({ sourceSilenceMinutes: [24 * 60 + 1] }).ingest_lag).toBe('fail');
    expect(status({ quarantineRecent: 3, quarantinePrior: 1 }).quarantine_growth).toBe('warn');
    expect(status({ failingJobs: [{ job: 'a', failures: 1 }] }).jobs).toBe('warn');
    expect(status({ failingJobs: [{ job: 'a', failures: 3 }] }).jobs).toBe('fail');
    expect(status({ backupAgeHours: 'off' }).backup_age).toBe('warn');
    expect(status({ backupAgeHours: { error: '备份目录中没有备份文件' } }).backup_age).toBe('fail');
    expect(status({ backupAgeHours: 35 }).backup_age).toBe('ok');
    expect(status({ backupAgeHours: 37 }).backup_age).toBe('warn');
    expect(status({ backupAgeHours: 24 * 7 + 1 }).backup_age).toBe('fail');
    expect(status({ disk: { path: '/', freeBytes: 19, totalBytes: 100 } }).disk_free).toBe('warn');
    expect(status({ disk: { path: '/', freeBytes: 9, totalBytes: 100 } }).disk_free).toBe('fail');
    expect(status({ serverErrors: 11 }).error_rate).toBe('warn');
    expect(status({ serverErrors: 51 }).error_rate).toBe('fail');
    expect(status({ requests: 0, serverErrors: 0 }).error_rate).toBe('ok');
    expect(status({ notificationFailures30d: 20 }).notification_delivery).toBe('fail');
    expect(status(cert(31)).certificate_expiry).toBe('ok');
    expect(status(cert(29)).certificate_expiry).toBe('warn');
    expect(status(cert(6)).certificate_expiry).toBe('fail');
    expect(status(cert({ error: 'ECONNREFUSED' })).certificate_expiry).toBe('warn');
    expect(status({ tables: [{ name: 't', bytes: 1, live: 7_900, dead: 2_100 }] }).table_bloat).toBe('warn');
    expect(status({ tables: [{ name: 't', bytes: 1, live: 4_900, dead: 5_100 }] }).table_bloat).toBe('fail');
    expect(status({ tables: [{ name: 't', bytes: 1, live: 10, dead: 90 }] }).table_bloat).toBe('ok'); // too small to matter
    expect(status({ slowQueries: { queries: [{ text: 'q', calls: 5, meanMs: 1_001 }] } }).slow_queries).toBe('warn');
    expect(status({ slowQueries: { queries: [{ text: 'q', calls: 5, meanMs: 5_001 }] } }).slow_queries).toBe('fail');
    expect(status({ slowQueries: { unavailable: 'no extension' } }).slow_queries).toBe('ok');
    expect(status({ security: { ...base.security, openSevere: 1 } }).vulnerabilities).toBe('warn');
    expect(status({ security: { ...base.security, overdueVulnerabilities: 1 } }).vulnerabilities).toBe('fail');
    expect(status({ security: { ...base.security, reviewJobSucceededThisQuarter: false, quarterDay: 7 } }).permission_review).toBe('ok');
    expect(status({ security: { ...base.security, reviewJobSucceededThisQuarter: false, quarterDay: 8 } }).permission_review).toBe('warn');
    expect(status({ overdueTickets: 1 }).overdue).toBe('warn');
  });
});

describe('the monthly inspection day', () => {
  it('is the first working day of the month on the official calendar (holidays and 调休 included)', () => {
    const first = (month: string) => Array.from({ length: 12 }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`).filter(isFirstWorkingDayOfMonth);
    expect(first('2026-12')).toEqual(['2026-12-01']);
    expect(first('2026-11')).toEqual(['2026-11-02']); // 1 November is a Sunday
    expect(first('2026-10')).toEqual(['2026-10-08']); // National Day holiday
    expect(first('2026-01')).toEqual(['2026-01-04']); // a Sunday made a working day (调休)
  });
});
