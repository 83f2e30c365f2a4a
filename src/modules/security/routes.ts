import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { contentDisposition } from '../../platform/http/download.js';
import { formatShanghai } from '../../platform/time.js';
import { registerXlsx } from './register-xlsx.js';
import type { SecurityContext } from './repo.js';
import {
  CreateVulnBody, DeadlineBody, DeadlineParams, DeadlinesSchema, ExportQuery, ListQuery, TransitionBody, UpdateVulnBody, VulnPage, VulnParams, VulnSchema,
} from './schemas.js';
import {
  createVulnerability, filteredVulns, getVulnerability, listVulnerabilities, orderedRows, planDeadlines, setPlanDeadline, transitionVulnerability,
  updateVulnerability, vulnView,
} from './vulnerabilities.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const EXPORT_CAP = 10_000;
const binary = { schema: { type: 'string', format: 'binary' } };

/**
 * Security operations (安全运维). The register is operations work: reading and changing need
 * `ops` (admin and ops engineers); findings are city-wide.
 */
export function securityRoutes(ctx: SecurityContext) {
  return async (app: App) => {
    app.addSchema(VulnSchema);
    const tags = ['security'];
    const ops = { preHandler: requirePermission('ops') };
    const one = (...statuses: number[]) => ({ 200: { $ref: 'SecurityVulnerability' }, ...errorResponses(...statuses) });

    app.get('/api/v1/security/vulnerabilities', {
      ...ops,
      schema: {
        operationId: 'securityListVulnerabilities', tags, summary: '漏洞台账 / vulnerability register',
        description: '超期（未提交修复计划且已过时限）在前，其次按时限先后，已结束的在后。/ Overdue first, then open ones by deadline, closed ones last.',
        querystring: ListQuery, response: { 200: VulnPage, ...errorResponses(400, 401, 403) },
      },
    }, (req) => listVulnerabilities(ctx, req.query));

    app.get('/api/v1/security/vulnerabilities/export', {
      ...ops,
      schema: {
        operationId: 'securityExportVulnerabilities', tags, summary: '导出《安全漏洞台账》.xlsx（筛选同列表） / export the register as .xlsx, same filters',
        querystring: ExportQuery,
        response: { 200: { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: binary } }, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => {
      const now = ctx.clock.now();
      const rows = await orderedRows(filteredVulns(ctx.db, now, req.query), now).limit(EXPORT_CAP).execute();
      const body = await registerXlsx(rows.map((r) => vulnView(r, now)), `导出时间 ${formatShanghai(now)}（上海），共 ${rows.length} 条`);
      const day = formatShanghai(now).slice(0, 10);
      return reply.header('content-type', XLSX_TYPE)
        .header('content-disposition', contentDisposition(`安全漏洞台账-${day}.xlsx`, `vulnerabilities-${day}.xlsx`))
        .header('cache-control', 'no-store')
        .send(body);
    });

    app.post('/api/v1/security/vulnerabilities', {
      ...ops,
      schema: {
        operationId: 'securityCreateVulnerability', tags, summary: '登记漏洞 / record a vulnerability',
        description: '返回 fixPlanDueAt：严重、高危为发现当日之后第 5 个工作日（法定节假日不计，调休上班日计入）17:30（上海）；中危、低危按配置的工作日数。/ '
          + 'fixPlanDueAt: 17:30 Shanghai of the 5th working day after the day found for critical and high (official calendar, make-up days counted); configured days for medium and low.',
        body: CreateVulnBody, response: { 201: { $ref: 'SecurityVulnerability' }, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => reply.code(201).send(await createVulnerability(ctx, actorOf(req), req.body)));

    app.get('/api/v1/security/vulnerabilities/:id', {
      ...ops,
      schema: { operationId: 'securityGetVulnerability', tags, summary: '漏洞详情与处置过程 / a vulnerability with its history', params: VulnParams, response: one(401, 403, 404) },
    }, (req) => getVulnerability(ctx, req.params.id));

    app.patch('/api/v1/security/vulnerabilities/:id', {
      ...ops,
      schema: {
        operationId: 'securityUpdateVulnerability', tags, summary: '修改漏洞记录、关联事件或变更 / correct a record, link an incident or a change',
        params: VulnParams, body: UpdateVulnBody, response: one(400, 401, 403, 404, 409),
      },
    }, (req) => updateVulnerability(ctx, actorOf(req), req.params.id, req.body));

    app.post('/api/v1/security/vulnerabilities/:id/transition', {
      ...ops,
      schema: {
        operationId: 'securityTransitionVulnerability', tags, summary: '处置状态变更（逐项审计） / a lifecycle step, audited',
        description: 'found → plan_submitted（planText） → fixing → fixed → verified；任一未结束状态可 → accepted_risk（reason、approver、expiresAt）或 false_positive（reason）；fixed → fixing（验证未通过）。非法变更 409 INVALID_TRANSITION。/ '
          + 'An illegal step is 409 INVALID_TRANSITION.',
        params: VulnParams, body: TransitionBody, response: one(400, 401, 403, 404, 409),
      },
    }, (req) => transitionVulnerability(ctx, actorOf(req), req.params.id, req.body));

    app.get('/api/v1/security/deadlines', {
      ...ops,
      schema: { operationId: 'securityListDeadlines', tags, summary: '各等级修复计划时限（工作日） / working days to a fix plan by severity', response: { 200: DeadlinesSchema, ...errorResponses(401, 403) } },
    }, async () => ({ items: await planDeadlines(ctx) }));

    app.put('/api/v1/security/deadlines/:severity', {
      ...ops,
      schema: {
        operationId: 'securitySetDeadline', tags, summary: '设置中危、低危的修复计划时限 / set the deadline of medium or low findings',
        description: '只影响此后登记的漏洞；严重、高危固定 5 个工作日（409 DEADLINE_FIXED）。/ Applies to findings recorded from now on; critical and high are fixed (409).',
        params: DeadlineParams, body: DeadlineBody, response: { 200: DeadlinesSchema, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req) => ({ items: await setPlanDeadline(ctx, actorOf(req), req.params.severity, req.body.workingDays) }));
  };
}
