import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { docxText, unzip } from '../../../test/support/unzip.js';
import { runReportSchedules } from './index.js';

/*
 * Report schedules on a manual clock (docs/巡检与报告.md §6): the monthly vulnerability report on the
 * first working day of the month — in October 2026 that is Thursday 10-08, after National Day —
 * is generated once for September, archived in the report centre and announced to exactly the
 * chosen channels (one delivery each); a rerun or a later run in the month makes nothing again.
 */
describeDb('health: report schedules', (backend) => {
  let env: TestEnv;
  let admin: string;
  let district: string;
  const ids: Record<string, number> = {};
  const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object, token = admin) =>
    env.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 365 });
    env.clock.set('2026-10-07T02:00:00Z'); // 10-07 10:00 Shanghai, still the holiday
    admin = await loginToken(env.app);
    district = await userToken(env.app, admin, { username: 'sch-district', role: 'district', districtCode: '320602' });
    for (const [key, body] of Object.entries({
      wecom: { name: '运维群', type: 'wecom', minSeverity: 'critical', kinds: ['monitoring.'], settings: { webhookUrl: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc' } },
      email: { name: '局领导邮箱', type: 'email', minSeverity: 'critical', settings: { host: '127.0.0.1', port: 2525, secure: false, from: 'zhibo@example.cn', to: ['lead@example.cn'] } },
      ding: { name: '钉钉群（未选）', type: 'dingtalk', minSeverity: 'info', settings: { webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=abc' } },
    })) {
      const res = await call('POST', '/api/v1/notification-channels', body);
      expect(res.statusCode, res.body).toBe(201);
      ids[key] = res.json().id;
    }
    expect((await call('POST', '/api/v1/security/vulnerabilities', { title: '高危：九月发现的注入', severity: 'high', foundAt: '2026-09-15 10:00:00' })).statusCode).toBe(201);
  });
  afterAll(() => env.close());

  it('validates the schedule: kind, working day, channels; audited', async () => {
    expect((await call('PUT', '/api/v1/report-schedules/inspection', { workingDay: 1, channelIds: [] })).json().error.code).toBe('INVALID_KIND');
    expect((await call('PUT', '/api/v1/report-schedules/weekly', { workingDay: 9, channelIds: [] })).json().error.code).toBe('INVALID_WORKING_DAY');
    expect((await call('PUT', '/api/v1/report-schedules/vulnerability_report', { workingDay: 1, channelIds: [999999] })).json().error.code).toBe('UNKNOWN_CHANNEL');
    expect((await call('PUT', '/api/v1/report-schedules/vulnerability_report', { workingDay: 1, channelIds: [] }, district)).statusCode).toBe(403);
    const put = await call('PUT', '/api/v1/report-schedules/vulnerability_report', { workingDay: 1, channelIds: [ids.email!, ids.wecom!] });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ kind: 'vulnerability_report', cadence: 'month', workingDay: 1, channelIds: [ids.wecom, ids.email].sort((a, b) => a! - b!), enabled: true, updatedBy: 'admin', last: null });
    const list = (await call('GET', '/api/v1/report-schedules')).json();
    expect(list.items.map((i: { kind: string }) => i.kind)).toContain('weekly');
    expect(list.channels).toHaveLength(3);
    const audited = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'report_schedule.update').execute();
    expect(audited).toEqual([{ action: 'report_schedule.update', target_id: 'vulnerability_report' }]);
  });

  it('generates once per period on the first working day after the holiday, and queues one delivery per chosen channel', async () => {
    expect((await runReportSchedules(env.ctx)).generated).toEqual([]); // 10-07: holiday, not yet
    env.clock.set('2026-10-07T23:59:00Z'); // 10-08 07:59 Shanghai
    expect((await runReportSchedules(env.ctx)).generated).toEqual([]);
    env.clock.set('2026-10-08T01:00:00Z'); // 10-08 09:00 Shanghai
    const first = await runReportSchedules(env.ctx);
    expect(first.generated).toEqual([{ kind: 'vulnerability_report', period: '2026-09', archiveId: expect.any(Number), channels: 2 }]);
    expect((await runReportSchedules(env.ctx)).generated).toEqual([]);
    env.clock.set('2026-10-20T01:00:00Z');
    expect((await runReportSchedules(env.ctx)).generated).toEqual([]);

    const archived = await env.ctx.db.selectFrom('health_report_archive').select(['id', 'period', 'notification_id', 'sent_to']).execute();
    expect(archived).toHaveLength(1);
    const notices = await env.ctx.db.selectFrom('notifications').select(['id', 'title', 'link']).where('kind', '=', 'health.report.scheduled').execute();
    expect(notices).toEqual([{ id: archived[0]!.notification_id, title: '《安全漏洞处置报告 2026-09》已生成', link: `/inspections?tab=centre&archive=${archived[0]!.id}` }]);
    const deliveries = await env.ctx.db.selectFrom('notification_deliveries').select(['channel_id', 'status']).where('notification_id', '=', notices[0]!.id).orderBy('channel_id').execute();
    // Exactly the chosen channels, though their own filters (critical only, monitoring only) would not have taken an info notice.
    expect(deliveries).toEqual([ids.wecom, ids.email].sort((a, b) => a! - b!).map((id) => ({ channel_id: id, status: 'pending' })));
  });

  it('lists the archived document in the report centre and downloads it; not for district users', async () => {
    const centre = (await call('GET', '/api/v1/report-centre?limit=500&kind=vulnerability_report')).json();
    const doc = centre.items.find((d: { state: string }) => d.state === 'generated');
    expect(doc).toMatchObject({ title: '安全漏洞处置报告 2026-09', period: '2026-09', generatedBy: 'health.report-schedules', formats: ['docx'] });
    const file = await call('GET', doc.downloadPath);
    expect(file.statusCode).toBe(200);
    const text = docxText(unzip(file.rawPayload).get('word/document.xml')!.toString('utf8'));
    expect(text).toContain('统计期间 2026-09-01 至 2026-09-30');
    expect(text).toContain('高危：九月发现的注入');
    expect((await call('GET', doc.downloadPath, undefined, district)).statusCode).toBe(404);
    // The security module's own documents are listed too (its reportCatalogue).
    const all = (await call('GET', '/api/v1/report-centre?limit=500')).json();
    expect(all.kinds.map((k: { kind: string }) => k.kind)).toEqual(expect.arrayContaining(['vulnerability_report']));
    expect((await call('DELETE', '/api/v1/report-schedules/vulnerability_report')).statusCode).toBe(204);
    expect((await call('DELETE', '/api/v1/report-schedules/vulnerability_report')).statusCode).toBe(404);
  });
});
