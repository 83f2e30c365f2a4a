import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { XLSX_TYPE, contentDisposition } from '../../platform/http/download.js';
import { formatShanghai } from '../../platform/time.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { readContext, readDb } from '../../platform/read-db.js';
import { backupTestReport, getBackup, listBackups, startBackupNow, startVerifyNow } from './backups.js';
import { fileUploadBody, UPLOAD_LIMIT_BYTES, uploadedBytes } from '../../platform/uploads.js';
import { registerXlsx } from './register-xlsx.js';
import { DOCX_TYPE, handlingReport, handlingReportDocx, reportPeriod } from './report-docx.js';
import { importScanReport } from './scan-import.js';
import type { SecurityContext } from './repo.js';
import { decide, getReview, listReviews, openReview, reviewReport, signOff } from './reviews.js';
import { reviewXlsx } from './review-xlsx.js';
import { securitySummary } from './summary.js';
import {
  BackupListQuery, BackupPage, BackupParams, BackupSchema, BackupVerificationSchema,
  DecisionBody, OpenReviewBody, ReviewItemParams, ReviewItemSchema, ReviewList, ReviewParams, ReviewSchema, SignOffBody,
  ImportQuery, ImportResultSchema, ReportQuery, SummarySchema,
  CreateVulnBody, DeadlineBody, DeadlineParams, DeadlinesSchema, ExportQuery, ListQuery, TransitionBody, UpdateVulnBody, VulnPage, VulnParams, VulnSchema,
} from './schemas.js';
import {
  createVulnerability, filteredVulns, getVulnerability, listVulnerabilities, orderedRows, planDeadlines, setPlanDeadline, transitionVulnerability,
  updateVulnerability, vulnView,
} from './vulnerabilities.js';

const EXPORT_CAP = 10_000;
const binary = { schema: { type: 'string', format: 'binary' } };

/**
 * Security operations (安全运维). The register is operations work: reading and changing need
 * `ops` (admin and ops engineers); findings are city-wide.
 */
export function securityRoutes(ctx: SecurityContext) {
  return async (app: App) => {
    app.addSchema(VulnSchema);
    app.addSchema(ReviewItemSchema);
    app.addSchema(ReviewSchema);
    app.addSchema(ImportResultSchema);
    app.addSchema(SummarySchema);
    const tags = ['security'];
    const ops = { preHandler: requirePermission('ops') };
    const one = (...statuses: number[]) => ({ 200: { $ref: 'SecurityVulnerability' }, ...errorResponses(...statuses) });

    app.get('/api/v1/security/summary', {
      ...ops,
      schema: {
        operationId: 'securitySummary', tags, summary: '安全运维概要 / security operations at a glance',
        description: '未结束的严重、高危漏洞及超期数，最近一次通过恢复测试的备份及其距今小时数，本季度与最近一次权限审查的状态；月报同用此数。/ '
          + 'Open critical/high findings and overdue ones, the last verified backup\'s age, where the permission reviews stand; the monthly report uses the same figures.',
        response: { 200: { $ref: 'SecuritySummary' }, ...errorResponses(401, 403) },
      },
    }, () => securitySummary(ctx));

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
      // An export: the replica when there is one (src/platform/read-db.ts).
      const rows = await orderedRows(filteredVulns(readDb(ctx), now, req.query), now).limit(EXPORT_CAP).execute();
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

    app.post('/api/v1/security/vulnerabilities/import', {
      ...ops,
      schema: {
        operationId: 'securityImportVulnerabilities', tags, summary: '导入扫描结果 / import scanner findings',
        description: '由内容识别格式：npm audit --json（npm 7+）、OWASP ZAP JSON 报告、Trivy JSON、CSV（title, severity, component, found at, source）。'
          + '指纹（格式 + 规则 + 组件的 sha256）相同的再次导入只更新 lastSeenAt、名称、等级，不重复登记；新登记的修复计划时限同手工登记。每行返回 created / updated / rejected 及原因；dryRun=true 只给结论不写入。'
          + '无法识别的文件 400 UNKNOWN_SCAN_FORMAT，损坏的 JSON/CSV 400 INVALID_SCAN_FILE，空文件 400 EMPTY_FILE。/ '
          + 'Format told from the content; same fingerprint → updated, not duplicated; per-row verdicts; dryRun writes nothing.',
        consumes: ['multipart/form-data'],
        querystring: ImportQuery,
        body: fileUploadBody('扫描报告 / the scanner report'),
        response: { 200: { $ref: 'SecurityVulnImportResult' }, ...errorResponses(400, 401, 403, 413) },
      },
    }, async (req) => {
      if (!req.isMultipart()) throw badRequest('INVALID_FILE', '请以 multipart/form-data 上传文件字段 file / upload the file as multipart/form-data field "file"');
      const file = await req.file({ limits: { fileSize: UPLOAD_LIMIT_BYTES } });
      if (!file || file.fieldname !== 'file') throw badRequest('INVALID_FILE', '缺少文件字段 file / missing form field "file"');
      const bytes = await uploadedBytes(file, UPLOAD_LIMIT_BYTES);
      return importScanReport(ctx, actorOf(req), { fileName: file.filename, bytes, dryRun: req.query.dryRun === true });
    });

    app.get('/api/v1/security/vulnerabilities/report', {
      ...ops,
      schema: {
        operationId: 'securityVulnerabilityReport', tags, summary: '《安全漏洞处置报告》.docx / the vulnerability handling report for a period',
        description: '期内发现或期初仍未结束的漏洞：按等级与状态统计、超期清单（超期未提交计划、计划逾期提交）、逐项的计划与修复日期。期间最长 366 天，否则 400 INVALID_PERIOD。/ '
          + 'Findings found in the period or still open at its start: counts by severity and state, the overdue list, each finding\'s plan and fix dates.',
        querystring: ReportQuery,
        response: { 200: { description: 'Word (.docx)', content: { [DOCX_TYPE]: binary } }, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => {
      const period = reportPeriod(req.query.from, req.query.to);
      const body = await handlingReportDocx(await handlingReport(readContext(ctx), period));
      return reply.header('content-type', DOCX_TYPE)
        .header('content-disposition', contentDisposition(`安全漏洞处置报告-${period.from}-${period.to}.docx`, `vulnerability-report-${period.from}-${period.to}.docx`))
        .header('cache-control', 'no-store')
        .send(body);
    });

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
    // Quarterly permission review (权限审查): user managers open and decide; an admin or a bureau user signs off.
    const users = { preHandler: requirePermission('users:manage') };
    const review = (...statuses: number[]) => ({ 200: { $ref: 'SecurityReview' }, ...errorResponses(...statuses) });

    app.get('/api/v1/security/reviews', {
      ...users,
      schema: { operationId: 'securityListReviews', tags, summary: '季度权限审查列表 / permission reviews', response: { 200: ReviewList, ...errorResponses(401, 403) } },
    }, () => listReviews(ctx));

    app.post('/api/v1/security/reviews', {
      ...users,
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
      schema: {
        operationId: 'securityOpenReview', tags, summary: '开启季度权限审查 / open a quarter\'s review',
        description: '列出全部账号及待关注项（从未登录、90 天未活动、管理员、可查看个人信息、县市区用户未指定县市区、已停用）。同一季度已有则 409 REVIEW_EXISTS。/ Lists every account with findings; 409 when the quarter has one.',
        body: OpenReviewBody, response: { 201: { $ref: 'SecurityReview' }, ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await openReview(ctx, actorOf(req), req.body.quarter)));

    app.get('/api/v1/security/reviews/:id', {
      ...users,
      schema: { operationId: 'securityGetReview', tags, summary: '权限审查及全部账号 / a review with its accounts', params: ReviewParams, response: review(401, 403, 404) },
    }, (req) => getReview(ctx, req.params.id));

    app.post('/api/v1/security/reviews/:id/items/:itemId/decision', {
      ...users,
      schema: {
        operationId: 'securityDecideReviewItem', tags, summary: '对账号作出决定并立即执行（审计） / decide on an account, applied at once',
        description: 'keep；change_role（role）；restrict_district（districtCode，改为县市区用户）；disable。按用户修改规则执行（最后一名管理员受保护，409 LAST_ADMIN）。已签署的审查 409 REVIEW_SIGNED_OFF。/ '
          + 'Applied by the user-update rules; a signed-off review is frozen.',
        params: ReviewItemParams, body: DecisionBody, response: { 200: { $ref: 'SecurityReviewItem' }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => decide(ctx, actorOf(req), req.params.id, req.params.itemId, req.body));

    app.post('/api/v1/security/reviews/:id/sign-off', {
      preHandler: requirePermission('registry:read'),
      schema: {
        operationId: 'securitySignOffReview', tags, summary: '签署权限审查（冻结） / sign the review off, freezing it',
        description: '系统管理员或市局用户；全部账号已决定后才能签署（409 REVIEW_INCOMPLETE）。/ An admin or a bureau user, once every account has a decision.',
        params: ReviewParams, body: SignOffBody, response: review(400, 401, 403, 404, 409),
      },
    }, (req) => signOff(ctx, actorOf(req), req.params.id, req.body.note));

    // The server's own backups: ops holders see them; "backup now" and "verify now" are admin work (users:manage).
    app.addSchema(BackupVerificationSchema);
    app.addSchema(BackupSchema);
    const backupId = (raw: string) => {
      if (!/^\d{1,12}$/.test(raw)) throw notFound(`备份 / backup ${raw.slice(0, 32)}`);
      return Number(raw);
    };
    const pageArg = (field: string, raw: string | undefined, fallback: number, max: number) => {
      if (raw === undefined || raw === '') return fallback;
      if (!/^\d+$/.test(raw) || Number(raw) > max) throw badRequest('INVALID_FILTER', `${field} 须为 0–${max} 的整数 / ${field}: a whole number 0–${max}`);
      return Number(raw);
    };

    app.get('/api/v1/security/backups', {
      ...ops,
      schema: {
        operationId: 'securityListBackups', tags, summary: '服务器备份及恢复测试 / the server\'s backups and their restore tests',
        description: '新的在前；每条含大小、SHA-256、结果、保留原因（daily/weekly/monthly）与最近一次恢复测试；settings 为定时、目录与保留策略。/ Newest first, with size, checksum, outcome, retention tiers and the newest restore test.',
        querystring: BackupListQuery, response: { 200: BackupPage, ...errorResponses(400, 401, 403) },
      },
    }, (req) => listBackups(ctx, { limit: Math.max(1, pageArg('limit', req.query.limit, 50, 200)), offset: pageArg('offset', req.query.offset, 0, 1_000_000) }));

    app.post('/api/v1/security/backups', {
      ...users,
      schema: {
        operationId: 'securityRunBackup', tags, summary: '立即备份（后台进行） / back up now, in the background',
        description: '立即返回 202 与进行中的备份（state running，phase 为当前步骤），完成后列表中可见结果；已有备份或恢复测试进行中 409 BACKUP_RUNNING。审计。/ '
          + 'Answers 202 at once with the running backup; 409 BACKUP_RUNNING while a backup or a restore test is under way. Audited.',
        response: { 202: { $ref: 'SecurityBackup' }, ...errorResponses(401, 403, 409) },
      },
    }, async (req, reply) => reply.code(202).send(await startBackupNow(ctx, actorOf(req))));

    app.get('/api/v1/security/backups/:id', {
      ...ops,
      schema: { operationId: 'securityGetBackup', tags, summary: '一次备份及其最近的恢复测试 / one backup with its newest restore test', params: BackupParams, response: { 200: { $ref: 'SecurityBackup' }, ...errorResponses(401, 403, 404) } },
    }, (req) => getBackup(ctx, backupId(req.params.id)));

    app.post('/api/v1/security/backups/:id/verify', {
      ...users,
      schema: {
        operationId: 'securityVerifyBackup', tags, summary: '立即做恢复测试（后台进行） / restore-test this backup now, in the background',
        description: '恢复到临时数据库（PGlite 内存库或 PostgreSQL 临时库），逐表比对行数与校验和；失败产生平台告警。202；进行中 409 BACKUP_RUNNING；失败或已删除的备份 409。/ '
          + 'Restores into a scratch database and compares with the manifest; a failure raises a platform alert.',
        params: BackupParams, response: { 202: { $ref: 'SecurityBackup' }, ...errorResponses(401, 403, 404, 409) },
      },
    }, async (req, reply) => reply.code(202).send(await startVerifyNow(ctx, actorOf(req), backupId(req.params.id))));

    app.get('/api/v1/security/backups/:id/report', {
      ...ops,
      schema: {
        operationId: 'securityBackupReport', tags, summary: '《备份恢复测试报告》.docx（最近一次恢复测试） / the restore test report of the newest test',
        description: '尚未测试 409 NOT_VERIFIED。/ 409 NOT_VERIFIED before the first test.',
        params: BackupParams, response: { 200: { description: 'Word (.docx)', content: { [DOCX_TYPE]: binary } }, ...errorResponses(401, 403, 404, 409) },
      },
    }, async (req, reply) => {
      const id = backupId(req.params.id);
      const { body, day } = await backupTestReport(ctx, id);
      return reply.header('content-type', DOCX_TYPE)
        .header('content-disposition', contentDisposition(`备份恢复测试报告-${id}-${day}.docx`, `backup-test-report-${id}-${day}.docx`))
        .header('cache-control', 'no-store')
        .send(body);
    });

    app.get('/api/v1/security/reviews/:id/export', {
      ...users,
      schema: {
        operationId: 'securityExportReview', tags, summary: '导出《用户权限审查报告》.xlsx / export the review as .xlsx',
        params: ReviewParams, response: { 200: { description: 'Excel (.xlsx)', content: { [XLSX_TYPE]: binary } }, ...errorResponses(401, 403, 404) },
      },
    }, async (req, reply) => {
      const r = await getReview(ctx, req.params.id);
      return reply.header('content-type', XLSX_TYPE)
        .header('content-disposition', contentDisposition(`用户权限审查报告-${r.quarter}.xlsx`, `permission-review-${r.quarter}.xlsx`))
        .header('cache-control', 'no-store')
        .send(await reviewXlsx(r));
    });

    app.get('/api/v1/security/reviews/:id/report', {
      ...users,
      schema: {
        operationId: 'securityReviewReport', tags, summary: '《用户权限审查报告》.docx / the permission review report',
        description: '已签署的审查：签署时生成并保存的报告；未签署的：按当前状态即时生成（注明未签署）。/ A signed-off review: the report rendered and kept at sign-off; before that, rendered now and marked unsigned.',
        params: ReviewParams, response: { 200: { description: 'Word (.docx)', content: { [DOCX_TYPE]: binary } }, ...errorResponses(401, 403, 404) },
      },
    }, async (req, reply) => {
      const { body, quarter } = await reviewReport(ctx, req.params.id);
      return reply.header('content-type', DOCX_TYPE)
        .header('content-disposition', contentDisposition(`用户权限审查报告-${quarter}.docx`, `permission-review-${quarter}.docx`))
        .header('cache-control', 'no-store')
        .send(body);
    });
  };
}
