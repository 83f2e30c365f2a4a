import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { newTicket, walk } from '../../../test/support/tickets.js';
import { startJobs } from '../../jobs.js';
import { runScheduledJob, scheduledJobs } from '../../platform/jobs.js';
import { createHealthMetrics, DEFAULT_WATCH_RULES, recordJobRun, runHealthWatch, runScheduledInspection } from './index.js';

const MIN = 60_000;
const SCRAPE_TOKEN = 'scrape-token-0123456789abcdef';

/**
 * A strict reading of the Prometheus text exposition format 0.0.4: every line is a `# HELP`, a
 * `# TYPE` or a sample `name{label="value",…} number`; each sample belongs to a declared family.
 */
function parsePrometheus(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$/.exec(line);
    if (m) continue;
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)(?: -?[0-9]+)?$/.exec(line);
    // Values as Prometheus reads them (Go's ParseFloat: NaN and Inf in any case).
    if (!m || !/^(?:[+-]?[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?|[+-]?inf|nan)$/i.test(m[3]!)) throw new Error(`not a Prometheus text line: ${line}`);
    const name = m[1]!;
    const family = [...types.keys()].find((f) => name === f || name === `${f}_bucket` || name === `${f}_sum` || name === `${f}_count`);
    if (!family) throw new Error(`sample without # TYPE: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name, labels, value: /^nan$/i.test(m[3]!) ? NaN : Number(m[3]!.replace(/inf/i, 'Infinity')) });
  }
  return { samples, types };
}

describeDb('health: metrics, platform alerts, inspections, work reports', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  let viewer: string;
  let bureau: string;
  const scrape = (token?: string, remoteAddress = '127.0.0.1') =>
    env.app.inject({ method: 'GET', url: '/metrics', remoteAddress, ...(token ? { headers: bearer(token) } : {}) });

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 30, metricsToken: SCRAPE_TOKEN });
    env.ctx.jobRuns = recordJobRun;
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    bureau = await userToken(env.app, admin, { username: 'bureau1', role: 'bureau' });
  });
  afterAll(() => env.close());

  it('GET /metrics answers a scrape token or an ops token; anonymous is 401 even from localhost', async () => {
    expect((await scrape()).statusCode).toBe(401);
    expect((await scrape(undefined, '::1')).statusCode).toBe(401);
    expect((await scrape('wrong-token')).statusCode).toBe(401);
    expect((await scrape(viewer)).statusCode).toBe(403);
    expect((await scrape(ops)).statusCode).toBe(200);
    const res = await scrape(SCRAPE_TOKEN);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('shows every registered job with its last run and success, and HTTP requests by route pattern', async () => {
    // The app node's jobs, registered as `zhibo serve` does (timers stopped at once; runs by hand).
    for (const cron of startJobs(env.ctx)) cron.stop();
    const jobs = [...scheduledJobs().keys()];
    expect(jobs).toEqual(expect.arrayContaining(['sla.check', 'health.watch', 'health.monthly-inspection', 'notifications.deliver']));
    env.clock.set('2026-12-07T02:00:00Z');
    await runScheduledJob(env.ctx, 'sla.check', MIN, async () => {});
    await env.app.inject({ method: 'GET', url: '/api/v1/inspections/424242', headers: bearer(admin) });

    const { samples, types } = parsePrometheus((await scrape(SCRAPE_TOKEN)).body);
    for (const job of jobs) {
      expect(samples.some((s) => s.name === 'zhibo_job_last_success_timestamp_seconds' && s.labels.job === job), job).toBe(true);
      expect(samples.some((s) => s.name === 'zhibo_job_last_run_timestamp_seconds' && s.labels.job === job), job).toBe(true);
    }
    const success = samples.find((s) => s.name === 'zhibo_job_last_success_timestamp_seconds' && s.labels.job === 'sla.check');
    expect(success?.value).toBe(Date.parse('2026-12-07T02:00:00Z') / 1000);
    expect(types.get('zhibo_http_request_duration_seconds')).toBe('histogram');
    expect(samples).toContainEqual({ name: 'zhibo_http_requests_total', labels: { method: 'GET', route: '/api/v1/inspections/:id', status: '404' }, value: 1 });
    expect(samples.some((s) => s.name === 'zhibo_http_request_duration_seconds_bucket' && s.labels.route === '/api/v1/inspections/:id' && s.labels.le === '+Inf')).toBe(true);
    for (const kind of ['monitoring_alerts', 'platform_alerts', 'incidents', 'tickets', 'quarantine']) {
      expect(samples.some((s) => s.name === 'zhibo_open_items' && s.labels.kind === kind), kind).toBe(true);
    }
    expect(samples.find((s) => s.name === 'zhibo_database_size_bytes')!.value).toBeGreaterThan(0);
    expect(samples.find((s) => s.name === 'zhibo_notification_outbox' && s.labels.status === 'pending')).toBeDefined();
    expect(samples.find((s) => s.name === 'zhibo_ingest_events_total' && s.labels.result === 'accepted')).toBeDefined();
  });

  it('a job failing three times in a row opens a platform alert; sustained 30 minutes it becomes an incident (source platform); success resolves it', async () => {
    const job = 'test.flaky';
    const schedule = new Map([[job, '* * * * *']]);
    const since = new Date('2026-12-07T03:00:00Z');
    env.clock.set(since);
    const fail = () => runScheduledJob(env.ctx, job, MIN, async () => { throw new Error('upstream refused'); });
    await fail();
    await fail();
    expect(await runHealthWatch(env.ctx, { jobs: schedule, since })).toEqual({ opened: 0, resolved: 0, escalated: [] });
    env.clock.advance(MIN);
    await fail();
    expect(await runHealthWatch(env.ctx, { jobs: schedule, since })).toMatchObject({ opened: 1, escalated: [] });
    const details = (await env.app.inject({ url: '/api/v1/health/details', headers: bearer(ops) })).json();
    expect(details.status).toBe('degraded');
    expect(details.alerts).toEqual([expect.objectContaining({ kind: 'job_failing', subject: job, state: 'open', incidentCode: null })]);
    expect(details.jobs.find((j: { job: string }) => j.job === job)).toMatchObject({ consecutiveFailures: 3, failures: 3, lastError: 'upstream refused' });

    env.clock.advance(29 * MIN);
    await fail();
    expect((await runHealthWatch(env.ctx, { jobs: schedule, since })).escalated).toEqual([]);
    env.clock.advance(MIN);
    await fail();
    const r = await runHealthWatch(env.ctx, { jobs: schedule, since });
    expect(r.escalated).toHaveLength(1);
    expect((await runHealthWatch(env.ctx, { jobs: schedule, since })).escalated).toEqual([]);
    const incident = (await env.app.inject({ url: `/api/v1/incidents/${r.escalated[0]}`, headers: bearer(admin) })).json();
    expect(incident).toMatchObject({ detectionSource: 'platform', severity: 2, state: 'open' });
    expect(incident.title).toContain(job);

    await runScheduledJob(env.ctx, job, MIN, async () => {});
    expect((await runHealthWatch(env.ctx, { jobs: schedule, since })).resolved).toBe(1);
    const after = (await env.app.inject({ url: '/api/v1/health/details', headers: bearer(ops) })).json();
    expect(after.alerts.find((a: { subject: string }) => a.subject === job)).toMatchObject({ state: 'resolved', incidentCode: r.escalated[0] });
  });

  it('a 5xx rate above the threshold over the window opens a platform alert, sustained it becomes an incident, and it resolves when the rate falls', async () => {
    // A real metrics registry fed through its onResponse hook (the app's own counts stay out of it).
    const metrics = createHealthMetrics();
    const answer = async (status: number, n: number) => {
      for (let i = 0; i < n; i++) await metrics.onResponse({ method: 'GET', routeOptions: { url: '/api/v1/x' } } as never, { statusCode: status, elapsedTime: 3 } as never);
    };
    const watch = () => runHealthWatch(env.ctx, { jobs: new Map(), metrics, since: env.clock.now(), rules: { ...DEFAULT_WATCH_RULES, errorRateWindowMs: 10 * MIN, errorRateMinRequests: 50, errorRatePercent: 5 } });
    const rateAlert = async () => (await env.app.inject({ url: '/api/v1/health/details', headers: bearer(ops) })).json().alerts.find((a: { kind: string }) => a.kind === 'error_rate');
    env.clock.set('2026-12-07T05:00:00Z');
    await answer(200, 100);
    expect((await watch()).opened).toBe(0); // the first reading: no window yet
    env.clock.advance(MIN);
    await answer(200, 95);
    await answer(500, 5); // exactly 5 %: not above
    expect((await watch()).opened).toBe(0);
    env.clock.advance(MIN);
    await answer(500, 20);
    expect((await watch()).opened).toBe(1);
    expect(await rateAlert()).toMatchObject({ subject: 'http', state: 'open', detail: expect.stringContaining('5xx 25 次') });

    env.clock.advance(30 * MIN);
    await answer(500, 60);
    const r = await watch();
    expect(r.escalated).toHaveLength(1);
    const incident = (await env.app.inject({ url: `/api/v1/incidents/${r.escalated[0]}`, headers: bearer(admin) })).json();
    expect(incident).toMatchObject({ detectionSource: 'platform', severity: 2 });
    expect(incident.title).toContain('5xx');

    // Ten quiet minutes later the window holds only good answers.
    for (let i = 0; i < 11; i++) {
      env.clock.advance(MIN);
      await answer(200, 10);
      await watch();
    }
    expect(await rateAlert()).toMatchObject({ state: 'resolved', incidentCode: r.escalated[0] });
  });

  it('runs an inspection: items with statuses, manual items filled in, compared with the previous run, .docx and .xlsx that open', async () => {
    env.clock.set('2026-12-01T01:00:00Z');
    await runScheduledJob(env.ctx, 'test.other', MIN, async () => { throw new Error('once'); });
    const first = await env.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: bearer(ops) });
    expect(first.statusCode, first.body).toBe(201);
    const a = first.json();
    expect(typeof a.id).toBe('number');
    expect(a.items.length).toBeGreaterThanOrEqual(12);
    for (const item of a.items) {
      expect(Object.keys(item)).toEqual(expect.arrayContaining(['code', 'name', 'status', 'detail']));
      expect(['ok', 'warn', 'fail']).toContain(item.status);
    }
    const codes = a.items.map((i: { code: string }) => i.code);
    expect(codes).toEqual(expect.arrayContaining(['database_size', 'ingest_lag', 'quarantine_growth', 'jobs', 'backup_age', 'disk_free', 'error_rate', 'sync_health', 'notification_delivery', 'certificate_expiry', 'overdue', 'manual_server_room']));
    const byCode = (i: { items: { code: string }[] }, c: string) => i.items.find((x) => x.code === c) as Record<string, unknown>;
    expect(byCode(a, 'backup_age')).toMatchObject({ status: 'warn' });
    expect(byCode(a, 'certificate_expiry')).toMatchObject({ status: 'ok', detail: expect.stringContaining('未配置') });
    expect(byCode(a, 'jobs')).toMatchObject({ status: 'warn', detail: expect.stringContaining('test.other（1 次）') });
    expect(byCode(a, 'manual_network')).toMatchObject({ kind: 'manual', status: 'warn', checked: false });
    expect(byCode(a, 'database_size').measured).toMatch(/^\d+$/);

    expect((await env.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: bearer(viewer) })).statusCode).toBe(403);
    // With a JSON content type and no body, or {}, as clients send commands without input.
    for (const payload of ['', '{}']) {
      const again = await env.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: { ...bearer(ops), 'content-type': 'application/json' }, payload });
      expect(again.statusCode, again.body).toBe(201);
      await env.ctx.db.deleteFrom('health_inspections').where('id', '=', again.json().id).execute();
    }
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: { ...bearer(ops), 'content-type': 'application/json' }, payload: '{bad' })).json().error.code).toBe('INVALID_JSON');
    const patch = (code: string, body: unknown, token = ops) => env.app.inject({ method: 'PATCH', url: `/api/v1/inspections/${a.id}/items/${code}`, headers: bearer(token), payload: body as object });
    expect((await patch('manual_network', { status: 'broken' })).statusCode).toBe(400);
    expect((await patch('nope', { status: 'ok' })).statusCode).toBe(404);
    const edited = await patch('manual_network', { status: 'ok', note: '专线双链路正常' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(byCode(edited.json(), 'manual_network')).toMatchObject({ status: 'ok', note: '专线双链路正常', checked: true, updatedBy: 'ops1' });

    // One click from a warned item to the ledger; a second click is refused, an ok item too.
    const opened = await env.app.inject({ method: 'POST', url: `/api/v1/inspections/${a.id}/items/backup_age/incident`, headers: bearer(ops) });
    expect(opened.statusCode, opened.body).toBe(201);
    const incident = (await env.app.inject({ url: `/api/v1/incidents/${opened.json().incidentCode}`, headers: bearer(ops) })).json();
    expect(incident).toMatchObject({ detectionSource: 'inspection', severity: 3, title: '巡检发现：备份时效' });
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/inspections/${a.id}/items/backup_age/incident`, headers: bearer(ops) })).statusCode).toBe(409);
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/inspections/${a.id}/items/manual_network/incident`, headers: bearer(ops) })).json().error.code).toBe('ITEM_OK');
    expect(byCode((await env.app.inject({ url: `/api/v1/inspections/${a.id}`, headers: bearer(ops) })).json(), 'backup_age').incidentCode).toBe(opened.json().incidentCode);

    env.clock.set('2026-12-01T02:00:00Z');
    const b = (await env.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: bearer(ops) })).json();
    expect(b.previousId).toBe(a.id);
    expect(byCode(b, 'manual_network')).toMatchObject({ status: 'warn', previousStatus: 'ok' });
    const list = (await env.app.inject({ url: '/api/v1/inspections', headers: bearer(viewer) })).json();
    expect(list.items.map((i: { id: number }) => i.id)).toEqual([b.id, a.id]);

    const docx = await env.app.inject({ url: `/api/v1/inspections/${b.id}/report?format=docx`, headers: bearer(viewer) });
    expect(docx.statusCode).toBe(200);
    expect(docx.headers['content-type']).toContain('wordprocessingml');
    expect(String(docx.headers['content-disposition'])).toContain(encodeURIComponent('系统巡检报告'));
    const zip = await JSZip.loadAsync(docx.rawPayload);
    const xml = await zip.file('word/document.xml')!.async('string');
    const text = xml.replace(/<[^>]+>/g, '');
    expect(text).toContain('系统巡检报告');
    // The chart: this run against the previous one, as SVG with its PNG fallback (chart.ts).
    const chartSvg = Object.keys(zip.files).find((f) => f.startsWith('word/media/') && f.endsWith('.svg'));
    expect(Object.keys(zip.files).some((f) => f.startsWith('word/media/') && f.endsWith('.png'))).toBe(true);
    expect(await zip.file(chartSvg!)!.async('string')).toContain(`本次（#${b.id}）`);
    expect(xml).toContain('<pic:pic');
    expect(text).toContain('网络链路与政务外网专线');
    expect(text).toContain(`与巡检 ${a.id} 相比`);

    const xlsx = await env.app.inject({ url: `/api/v1/inspections/${b.id}/report?format=xlsx`, headers: bearer(viewer) });
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('巡检项目')!;
    expect(sheet.getRow(3).getCell(3).value).toBe('检查项');
    expect(sheet.rowCount).toBe(3 + b.items.length);
    expect((await env.app.inject({ url: `/api/v1/inspections/${b.id}/report?format=pdf`, headers: bearer(viewer) })).statusCode).toBe(400);
    expect((await env.app.inject({ url: '/api/v1/inspections/99999/report', headers: bearer(viewer) })).statusCode).toBe(404);
  });

  it('the weekly report\'s work-order figures equal GET /api/v1/tickets/kpis for the same week; submit → approve freezes it', async () => {
    // Week 2026-W49: Monday 30 Nov – Sunday 6 Dec (Shanghai). One ticket the Sunday before, three in the week.
    env.clock.set('2026-11-29T15:59:00Z');
    await newTicket(env, ops, { title: 'before' });
    env.clock.set('2026-11-30T01:00:00Z');
    const t1 = await newTicket(env, ops, { title: 'A', channel: 'hotline_12345', category: 'wrong_charge' });
    await newTicket(env, ops, { title: 'B', channel: 'wechat' });
    await newTicket(env, ops, { title: 'C', channel: 'hotline_12345', category: 'wrong_charge' });
    env.clock.set('2026-11-30T03:00:00Z');
    await walk(env, ops, t1.id, [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }, { to: 'resolved' }, { to: 'feedback_given' }, { to: 'confirmed' }]);
    env.clock.set('2026-12-07T03:00:00Z');

    const gen = await env.app.inject({ method: 'POST', url: '/api/v1/work-reports', headers: bearer(ops), payload: { kind: 'weekly', period: '2026-W49', nextPlan: '完成海门区接入联调' } });
    expect(gen.statusCode, gen.body).toBe(201);
    const report = gen.json();
    const kpis = (await env.app.inject({ url: '/api/v1/tickets/kpis?from=2026-11-30&to=2026-12-06', headers: bearer(ops) })).json();
    for (const k of ['total', 'closed', 'closureRate', 'resolved', 'onTime', 'onTimeRate', 'open']) expect(report.content.tickets[k], k).toEqual(kpis[k]);
    expect(report.content.tickets.total).toBe(3);
    expect(report.content.tickets.closed).toBe(1);
    expect(report.content.topCategories[0]).toMatchObject({ key: 'wrong_charge', total: 2 });
    expect(report.content.ticketsByChannel.find((c: { key: string }) => c.key === 'hotline_12345')).toMatchObject({ total: 2, closed: 1 });
    expect(report.content.inspections).toHaveLength(2); // the two of 1 December
    expect(report).toMatchObject({ version: 1, state: 'draft', nextPlan: '完成海门区接入联调' });

    const review = (action: string, token: string, comment?: string) => env.app.inject({ method: 'POST', url: `/api/v1/work-reports/${report.id}/review`, headers: bearer(token), payload: { action, ...(comment ? { comment } : {}) } });
    expect((await review('approve', bureau)).statusCode).toBe(409); // not submitted yet
    expect((await review('submit', bureau)).statusCode).toBe(403);
    expect((await review('submit', ops)).json()).toMatchObject({ state: 'submitted', submittedBy: 'ops1' });
    expect((await review('approve', ops)).statusCode).toBe(403);
    expect((await review('return', bureau)).statusCode).toBe(400); // a return needs comments
    expect((await review('return', bureau, '请补充数据同步情况')).json()).toMatchObject({ state: 'returned', reviewComment: '请补充数据同步情况' });
    const edit = await env.app.inject({ method: 'PATCH', url: `/api/v1/work-reports/${report.id}`, headers: bearer(ops), payload: { problems: '如东县两处停车场断线' } });
    expect(edit.json()).toMatchObject({ problems: '如东县两处停车场断线', state: 'returned' });
    await review('submit', ops);
    expect((await review('approve', bureau)).json()).toMatchObject({ state: 'approved', reviewedBy: 'bureau1' });
    const frozen = await env.app.inject({ method: 'PATCH', url: `/api/v1/work-reports/${report.id}`, headers: bearer(ops), payload: { problems: 'x' } });
    expect(frozen.statusCode).toBe(409);
    expect(frozen.json().error.code).toBe('REPORT_FROZEN');

    // A new generation of the same week is version 2, keeping the text.
    const v2 = (await env.app.inject({ method: 'POST', url: '/api/v1/work-reports', headers: bearer(ops), payload: { kind: 'weekly', period: '2026-W49' } })).json();
    expect(v2).toMatchObject({ version: 2, state: 'draft', problems: '如东县两处停车场断线' });

    const docx = await env.app.inject({ url: `/api/v1/work-reports/${report.id}/download?format=docx`, headers: bearer(viewer) });
    expect(docx.statusCode).toBe(200);
    const reportZip = await JSZip.loadAsync(docx.rawPayload);
    const text = (await reportZip.file('word/document.xml')!.async('string')).replace(/<[^>]+>/g, '');
    expect(text).toContain('运维周报');
    // Charts: tickets by channel and incidents by severity.
    const svgs = await Promise.all(Object.keys(reportZip.files).filter((f) => f.startsWith('word/media/') && f.endsWith('.svg')).map((f) => reportZip.file(f)!.async('string')));
    expect(svgs.some((s) => s.includes('工单按受理渠道'))).toBe(true);
    expect(svgs.some((s) => s.includes('系统事件按等级'))).toBe(true);
    expect(text).toContain('本期受理工单 3 件');
    expect(text).toContain('已审核认可');

    expect((await env.app.inject({ method: 'POST', url: '/api/v1/work-reports', headers: bearer(ops), payload: { kind: 'weekly', period: '2025-W53' } })).statusCode).toBe(400);

    const centre = (await env.app.inject({ url: '/api/v1/report-centre', headers: bearer(viewer) })).json();
    expect(centre.items.map((d: { kind: string }) => d.kind)).toEqual(expect.arrayContaining(['inspection', 'weekly']));
    expect(centre.items.find((d: { kind: string; version: number }) => d.kind === 'weekly' && d.version === 1)).toMatchObject({ state: 'approved', approvedBy: 'bureau1' });
  });

  it('the monthly inspection job runs on the first working day of the month only', async () => {
    env.clock.set('2026-11-03T01:00:00Z');
    expect(await runScheduledInspection(env.ctx)).toBeNull();
    env.clock.set('2026-11-02T01:00:00Z'); // 09:00 in Shanghai, Monday 2 November
    const id = await runScheduledInspection(env.ctx);
    const i = (await env.app.inject({ url: `/api/v1/inspections/${id}`, headers: bearer(viewer) })).json();
    expect(i).toMatchObject({ id, trigger: 'scheduled', createdBy: 'health.monthly-inspection' });
  });

  it('a job run that another node holds the lease of is not reported', async () => {
    const before = (await env.app.inject({ url: '/api/v1/health/details', headers: bearer(ops) })).json();
    const runs = (job: string) => before.jobs.find((j: { job: string }) => j.job === job)?.runs ?? 0;
    await env.ctx.db.insertInto('job_leases').values({ name: 'test.held', holder: 'other-node', leased_until: new Date(env.clock.now().getTime() + 60 * MIN), last_due_at: null }).execute();
    await runScheduledJob(env.ctx, 'test.held', MIN, async () => { throw new Error('never runs'); });
    const after = (await env.app.inject({ url: '/api/v1/health/details', headers: bearer(ops) })).json();
    expect(after.jobs.find((j: { job: string }) => j.job === 'test.held')).toBeUndefined();
    expect(runs('test.held')).toBe(0);
  });
});
