import { describe, expect, it } from 'vitest';
import { evaluateChecks, type Measurements } from './checks.js';
import { isFirstWorkingDayOfMonth } from './schedule.js';

const GB = 1024 ** 3;
const base: Measurements = {
  databaseBytes: GB, previousDatabaseBytes: null, sourceSilenceMinutes: [5, 30], quarantineRecent: 0, quarantinePrior: 0,
  failingJobs: [], openPlatformAlerts: 0, backupAgeHours: 10, disk: { path: '/data', freeBytes: 50 * GB, totalBytes: 100 * GB },
  requests: 1000, serverErrors: 0, openSyncAlerts: 0, lateLots: 0, notificationFailures30d: 0, notificationPending: 0,
  certificateDays: 'off', overdueIncidents: 0, overdueTickets: 0,
};
const status = (m: Partial<Measurements>) => Object.fromEntries(evaluateChecks({ ...base, ...m }).map((i) => [i.code, i.status]));

describe('inspection checks: thresholds', () => {
  it('all ok on a healthy platform; each item has a threshold or says why not', () => {
    const items = evaluateChecks(base);
    expect(items.every((i) => i.status === 'ok')).toBe(true);
    expect(items.map((i) => i.code)).toEqual(['database_size', 'ingest_lag', 'quarantine_growth', 'jobs', 'backup_age', 'disk_free', 'error_rate', 'sync_health', 'notification_delivery', 'certificate_expiry', 'overdue']);
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
    expect(status({ backupAgeHours: undefined }).backup_age).toBe('warn');
    expect(status({ backupAgeHours: 37 }).backup_age).toBe('warn');
    expect(status({ backupAgeHours: 24 * 7 + 1 }).backup_age).toBe('fail');
    expect(status({ disk: { path: '/', freeBytes: 19, totalBytes: 100 } }).disk_free).toBe('warn');
    expect(status({ disk: { path: '/', freeBytes: 9, totalBytes: 100 } }).disk_free).toBe('fail');
    expect(status({ serverErrors: 11 }).error_rate).toBe('warn');
    expect(status({ serverErrors: 51 }).error_rate).toBe('fail');
    expect(status({ requests: 0, serverErrors: 0 }).error_rate).toBe('ok');
    expect(status({ notificationFailures30d: 20 }).notification_delivery).toBe('fail');
    expect(status({ certificateDays: 29 }).certificate_expiry).toBe('warn');
    expect(status({ certificateDays: 6 }).certificate_expiry).toBe('fail');
    expect(status({ certificateDays: { error: 'ECONNREFUSED' } }).certificate_expiry).toBe('warn');
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
