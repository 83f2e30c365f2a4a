import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

/*
 * Wire shapes of the security operations API (docs/security-operations.md, contract copied from
 * the product guide). Vocabulary fields (severity, state) are plain strings here: the service
 * checks them and answers with a specific code (INVALID_SEVERITY, INVALID_STATE).
 */

const Time = (description: string) => Type.String({ maxLength: 40, description: `${description}：ISO 8601、YYYY-MM-DD HH:mm:ss 或 YYYY-MM-DD（上海时间） / ISO 8601, Shanghai 'YYYY-MM-DD HH:mm:ss' or a Shanghai day` });
const Iso = Type.String({ description: 'ISO 8601 (UTC)' });
const Param = (description: string, maxLength = 64) => Type.Optional(Type.String({ maxLength, description }));
const OptText = (max: number, description: string) => Type.Optional(Nullable(Type.String({ maxLength: max, description })));

export const CreateVulnBody = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 300, description: '漏洞名称 / title' }),
  severity: Type.String({ maxLength: 20, description: 'critical | high | medium | low' }),
  foundAt: Time('发现时间；修复计划时限由此起算 / found; the fix-plan deadline counts from here'),
  source: OptText(200, '来源（扫描工具、渗透测试、通报） / source (scanner, pen test, advisory)'),
  component: OptText(300, '受影响组件 / affected component'),
  description: OptText(8000, '描述 / description'),
  incidentRef: OptText(100, '关联事件编号 / linked incident code'),
  changeRef: OptText(100, '关联变更编号 / linked change reference'),
}, { description: '其他字段忽略 / other keys are ignored' });

export const UpdateVulnBody = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  severity: Type.Optional(Type.String({ maxLength: 20, description: '仅在提交修复计划前可改，时限重算 / only before the plan; re-times the deadline' })),
  foundAt: Type.Optional(Time('发现时间（仅在提交修复计划前可改） / found (only before the plan)')),
  source: OptText(200, '来源 / source'),
  component: OptText(300, '组件 / component'),
  description: OptText(8000, '描述 / description'),
  incidentRef: OptText(100, '关联事件编号 / linked incident'),
  changeRef: OptText(100, '关联变更编号 / linked change'),
}, { additionalProperties: false });

export const TransitionBody = Type.Object({
  to: Type.String({ maxLength: 20, description: 'plan_submitted | fixing | fixed | verified | accepted_risk | false_positive' }),
  note: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
  planText: OptText(8000, '修复计划（to = plan_submitted 时必填） / fix plan, required for plan_submitted'),
  plannedFixDate: OptText(10, '计划修复完成日期 YYYY-MM-DD / planned fix date'),
  reason: OptText(4000, '接受风险或误报的理由 / reason for accepted_risk or false_positive'),
  approver: OptText(100, '接受风险的批准人 / who approved the accepted risk'),
  expiresAt: Type.Optional(Nullable(Time('接受风险到期时间 / when the accepted risk expires'))),
  verification: OptText(2000, '验证方式（复扫或人工） / how it was verified (rescan or manual)'),
});

const Event = Type.Object({ at: Iso, actor: Type.String(), fromState: Nullable(Type.String()), toState: Type.String(), note: Nullable(Type.String()) });

export const VulnSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  severity: Type.String({ description: 'critical | high | medium | low' }),
  state: Type.String({ description: 'found | plan_submitted | fixing | fixed | verified | accepted_risk | false_positive' }),
  source: Nullable(Type.String()),
  component: Nullable(Type.String()),
  description: Nullable(Type.String()),
  foundAt: Iso,
  fixPlanDueAt: Type.String({ description: '修复计划截止时刻：发现当日（上海）之后第 n 个工作日 17:30（上海），critical/high n = 5，含调休上班日 / 17:30 Shanghai of the n-th working day after the day found (n = 5 for critical/high), make-up working days counted' }),
  fixPlanDueDate: Type.String({ description: '截止日（上海） YYYY-MM-DD / the deadline\'s Shanghai day' }),
  fixPlanWarnAt: Iso,
  planWorkingDays: Type.Integer(),
  overdue: Type.Boolean({ description: '未提交计划且已过时限 / no plan yet and past the deadline' }),
  planLate: Nullable(Type.Boolean()),
  planText: Nullable(Type.String()),
  plannedFixDate: Nullable(Type.String()),
  planSubmittedAt: Nullable(Iso),
  fixingAt: Nullable(Iso),
  fixedAt: Nullable(Iso),
  verifiedAt: Nullable(Iso),
  verification: Nullable(Type.String()),
  riskReason: Nullable(Type.String()),
  riskApprover: Nullable(Type.String()),
  riskExpiresAt: Nullable(Iso),
  falsePositiveReason: Nullable(Type.String()),
  closedAt: Nullable(Iso),
  warnedAt: Nullable(Iso),
  breachedAt: Nullable(Iso),
  incidentRef: Nullable(Type.String()),
  changeRef: Nullable(Type.String()),
  lastSeenAt: Nullable(Type.String({ description: '扫描导入的漏洞：最近一次导入仍报告它的时间 / scanner findings: the last import that reported it' })),
  nextStates: Type.Array(Type.String()),
  createdBy: Type.String(),
  createdAt: Iso,
  updatedAt: Iso,
  history: Type.Optional(Type.Array(Event)),
}, { $id: 'SecurityVulnerability' });

const FilterQuery = {
  severity: Param('等级，逗号分隔 / severities, comma-separated'),
  state: Param('状态，逗号分隔 / states, comma-separated', 200),
  overdue: Param('true：只看超期；false：不含超期 / only overdue, or none of them', 5),
  q: Param('名称、组件、来源包含 / title, component or source contains', 100),
  foundFrom: Param('发现日期起（上海） YYYY-MM-DD / found from', 10),
  foundTo: Param('发现日期止（含） YYYY-MM-DD / found to, inclusive', 10),
};

export const ListQuery = Type.Object({ ...FilterQuery, limit: Param('每页 1–500，默认 50 / page size', 4), offset: Param('偏移 / offset', 8) });
export const ExportQuery = Type.Object(FilterQuery);
export const VulnPage = Type.Object({ items: Type.Array(Type.Ref('SecurityVulnerability')), total: Type.Integer() });
export const VulnParams = Type.Object({ id: Type.String({ maxLength: 20 }) });

export const DeadlineSchema = Type.Object({ severity: Type.String(), workingDays: Type.Integer(), configurable: Type.Boolean() });
export const DeadlinesSchema = Type.Object({ items: Type.Array(DeadlineSchema) });
export const DeadlineParams = Type.Object({ severity: Type.String({ maxLength: 20 }) });
export const DeadlineBody = Type.Object({ workingDays: Type.Integer({ minimum: 1, maximum: 250, description: '提交修复计划的工作日数 / working days to a fix plan' }) });

const ReviewItem = Type.Object({
  id: Type.Integer(), username: Type.String(), displayName: Nullable(Type.String()), role: Type.String(), districtCode: Nullable(Type.String()), status: Type.String(),
  createdAt: Iso, lastLoginAt: Nullable(Iso), lastActivityAt: Nullable(Iso),
  findings: Type.Array(Type.String(), { description: 'never_logged_in | inactive_90d | admin | pii | district_without_district | disabled | bulk_created | shared_name_pattern | unused_permissions' }),
  findingDetails: Type.Record(Type.String(), Type.String(), { description: '待关注项的说明（批量创建的批次、同名模式、未使用的权限） / what a finding is about' }),
  decision: Nullable(Type.String({ description: 'keep | change_role | restrict_district | disable' })), decisionNote: Nullable(Type.String()),
  decisionAfter: Nullable(Type.Record(Type.String(), Type.Unknown())), decidedBy: Nullable(Type.String()), decidedAt: Nullable(Iso),
});
export const ReviewItemSchema = Type.Object(ReviewItem.properties, { $id: 'SecurityReviewItem' });
export const ReviewSchema = Type.Object({
  id: Type.Integer(), quarter: Type.String(), openedAt: Iso, openedBy: Type.String(), signedOffAt: Nullable(Iso), signedOffBy: Nullable(Type.String()), signOffNote: Nullable(Type.String()),
  frozen: Type.Boolean(), counts: Type.Object({ accounts: Type.Integer(), withFindings: Type.Integer(), decided: Type.Integer() }),
  reportGeneratedAt: Nullable(Iso),
  items: Type.Optional(Type.Array(Type.Ref('SecurityReviewItem'))),
}, { $id: 'SecurityReview' });
export const ReviewList = Type.Object({ items: Type.Array(Type.Ref('SecurityReview')) });
export const OpenReviewBody = Type.Object({ quarter: Type.Optional(Type.String({ maxLength: 6, description: 'YYYYQn（上海季度），默认本季度 / Shanghai quarter, default the current one' })) });
export const ReviewParams = Type.Object({ id: Type.String({ maxLength: 20, description: '编号或季度 2026Q4 / id or quarter' }) });
export const ReviewItemParams = Type.Object({ id: Type.String({ maxLength: 20 }), itemId: Type.String({ maxLength: 20 }) });
export const DecisionBody = Type.Object({
  decision: Type.String({ maxLength: 20, description: 'keep | change_role | restrict_district | disable' }),
  role: Type.Optional(Type.String({ maxLength: 20, description: 'change_role 的新角色 / the new role' })),
  districtCode: Type.Optional(Nullable(Type.String({ maxLength: 20, description: 'restrict_district 的县市区 / the district' }))),
  note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
});
export const SignOffBody = Type.Object({ note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) });

const Verdict = Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('rejected')]);
export const ImportQuery = Type.Object({
  dryRun: Type.Optional(Type.Boolean({ description: 'true：只给出每行结论，不写入 / verdicts only, nothing written' })),
});
export const ImportResultSchema = Type.Object({
  format: Type.Union([Type.Literal('npm-audit'), Type.Literal('zap'), Type.Literal('trivy'), Type.Literal('csv')], { description: '由内容识别的格式 / format told from the content' }),
  dryRun: Type.Boolean(),
  counts: Type.Object({ created: Type.Integer(), updated: Type.Integer(), rejected: Type.Integer() }),
  rows: Type.Array(Type.Object({
    row: Type.Integer({ description: '报告中的第几条（CSV 为数据行号） / the place of the finding in the report (CSV: data row)' }),
    verdict: Verdict,
    title: Nullable(Type.String()),
    severity: Nullable(Type.String()),
    component: Nullable(Type.String()),
    fingerprint: Nullable(Type.String({ description: 'sha256(格式 + 规则 + 组件) / sha256 of kind + rule + component' })),
    id: Nullable(Type.Integer({ description: '漏洞编号（dryRun 新建时为 null） / the finding (null for a dry-run creation)' })),
    reason: Nullable(Type.String({ description: '拒绝原因，或更新时的说明 / why rejected, or a note on the update' })),
  })),
}, { $id: 'SecurityVulnImportResult' });

export const ReportQuery = Type.Object({
  from: Type.String({ maxLength: 10, description: '起始日 YYYY-MM-DD（上海） / first day' }),
  to: Type.String({ maxLength: 10, description: '截止日 YYYY-MM-DD（含） / last day, inclusive' }),
  format: Type.Optional(Type.Literal('docx', { description: '目前只有 docx / docx only' })),
});

// The server's own backups (docs/security-operations.md, "Scheduled backups").
const Str = Type.String();
export const BackupVerificationSchema = Type.Object({
  id: Type.Integer(), trigger: Type.String({ description: 'scheduled | manual' }), requestedBy: Str, startedAt: Iso, finishedAt: Nullable(Iso),
  state: Type.String({ description: 'running | ok | failed' }), phase: Nullable(Type.String({ description: '进行中的步骤 / step under way: check | restore | compare' })),
  restoredInto: Nullable(Str), restoreMs: Nullable(Type.Integer()), tablesChecked: Nullable(Type.Integer()), tablesDifferent: Nullable(Type.Integer()),
  problems: Type.Array(Str), error: Nullable(Str),
  reportFileName: Nullable(Type.String({ description: '写在备份旁的《备份恢复测试报告》文件名 / the restore test report written beside the backup' })),
}, { $id: 'SecurityBackupVerification' });
export const BackupSchema = Type.Object({
  id: Type.Integer(), trigger: Type.String({ description: 'scheduled | manual' }), requestedBy: Str, startedAt: Iso, finishedAt: Nullable(Iso),
  state: Type.String({ description: 'running | ok | failed' }), phase: Nullable(Type.String({ description: '进行中的步骤 / step under way: dump | encrypt | write' })),
  fileName: Nullable(Str), bytes: Nullable(Type.Integer()), sha256: Nullable(Type.String({ description: '数据部分的 SHA-256 / SHA-256 of the payload' })),
  kind: Nullable(Type.String({ description: 'pglite | postgres' })), schemaVersion: Nullable(Str), tableCount: Nullable(Type.Integer()), totalRows: Nullable(Type.Integer()),
  encrypted: Type.Boolean(), durationMs: Nullable(Type.Integer()), error: Nullable(Str), prunedAt: Nullable(Iso),
  keptAs: Type.Array(Type.String({ description: 'daily | weekly | monthly' })),
  verification: Nullable(Type.Ref('SecurityBackupVerification')),
}, { $id: 'SecurityBackup' });
export const BackupPage = Type.Object({
  items: Type.Array(Type.Ref('SecurityBackup')), total: Type.Integer(),
  settings: Type.Object({
    dir: Nullable(Str), time: Nullable(Type.String({ description: '每日备份时间 HH:MM（上海），null 为不定时备份 / daily time, null when off' })),
    retention: Type.Object({ daily: Type.Integer(), weekly: Type.Integer(), monthly: Type.Integer() }), encrypted: Type.Boolean(), nextAt: Nullable(Iso),
  }),
  running: Type.Boolean(), lastVerifiedAt: Nullable(Iso), lastBackupAt: Nullable(Iso),
});
export const BackupListQuery = Type.Object({ limit: Param('每页 1–200，默认 50 / page size', 4), offset: Param('偏移 / offset', 8) });
export const BackupParams = Type.Object({ id: Type.String({ maxLength: 20 }) });

/** GET /api/v1/security/summary (docs/security-operations.md, "Summary"). */
export const SummarySchema = Type.Object({
  at: Iso,
  vulnerabilities: Type.Object({
    openCritical: Type.Integer({ description: '未结束的严重漏洞 / open critical findings' }),
    openHigh: Type.Integer({ description: '未结束的高危漏洞 / open high findings' }),
    overdue: Type.Integer({ description: '超期未提交修复计划（各等级） / without a plan past the deadline, any severity' }),
    overdueHighCritical: Type.Integer({ description: '其中严重、高危 / of which critical or high' }),
    open: Type.Integer({ description: '未结束的漏洞总数 / open findings' }),
  }),
  backups: Type.Object({
    lastBackupAt: Nullable(Iso),
    lastVerifiedAt: Nullable(Type.String({ description: '最近一次通过的恢复测试完成时间 / the newest passed restore test' })),
    lastVerifiedBackupId: Nullable(Type.Integer()),
    lastVerifiedAgeHours: Nullable(Type.Integer({ description: '距最近一次通过的恢复测试（小时） / hours since it' })),
    lastVerificationState: Nullable(Type.String({ description: 'ok | failed | running' })),
  }),
  reviews: Type.Object({
    quarter: Type.String({ description: '当前季度 / the current quarter, YYYYQn' }),
    currentState: Type.String({ description: 'not_opened | open | signed_off' }),
    last: Nullable(Type.Object({ id: Type.Integer(), quarter: Type.String(), openedAt: Iso, signedOffAt: Nullable(Iso), signedOffBy: Nullable(Type.String()), state: Type.String({ description: 'open | signed_off' }) })),
    lastSignedOffAt: Nullable(Iso),
  }),
}, { $id: 'SecuritySummary' });
