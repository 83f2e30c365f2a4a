/*
 * The incident ledger's codes and their Chinese / English names (the console has its own copy
 * of the names in web/src/pages/incidents/i18n.*.ts; the exports use these).
 */

type Names = { zh: string; en: string };

export const INCIDENT_STATES = ['open', 'acknowledged', 'mitigated', 'resolved', 'reviewed', 'closed'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
export const STATE_NAMES: Record<IncidentState, Names> = {
  open: { zh: '待响应', en: 'open' },
  acknowledged: { zh: '处置中', en: 'acknowledged' },
  mitigated: { zh: '已恢复', en: 'mitigated' },
  resolved: { zh: '已解决', en: 'resolved' },
  reviewed: { zh: '已复盘', en: 'reviewed' },
  closed: { zh: '已关闭', en: 'closed' },
};

export type Severity = 1 | 2 | 3;
export const SEVERITIES: readonly Severity[] = [1, 2, 3];
export const SEVERITY_NAMES: Record<Severity, Names> = {
  1: { zh: '一级', en: 'SEV1' },
  2: { zh: '二级', en: 'SEV2' },
  3: { zh: '三级', en: 'SEV3' },
};

export const DETECTION_SOURCES = ['monitoring', 'ticket', 'inspection', 'person', 'platform'] as const;
export type DetectionSource = (typeof DETECTION_SOURCES)[number];
export const SOURCE_NAMES: Record<DetectionSource, Names> = {
  monitoring: { zh: '监控告警', en: 'monitoring' },
  ticket: { zh: '工单', en: 'work order' },
  inspection: { zh: '巡检', en: 'inspection' },
  person: { zh: '人工发现', en: 'reported by a person' },
  // The platform's own faults (modules/health: a job failing or stalled, sustained).
  platform: { zh: '平台自检', en: 'platform self-check' },
};

export const ROOT_CAUSE_CATEGORIES = [
  'software', 'hardware', 'network', 'data_source', 'third_party', 'change', 'capacity', 'security', 'human', 'external', 'other',
] as const;
export type RootCauseCategory = (typeof ROOT_CAUSE_CATEGORIES)[number];
export const ROOT_CAUSE_NAMES: Record<RootCauseCategory, Names> = {
  software: { zh: '软件缺陷', en: 'software defect' },
  hardware: { zh: '硬件故障', en: 'hardware failure' },
  network: { zh: '网络故障', en: 'network' },
  data_source: { zh: '接入单位系统', en: 'lot operator system' },
  third_party: { zh: '第三方服务', en: 'third-party service' },
  change: { zh: '变更引起', en: 'change' },
  capacity: { zh: '容量/性能', en: 'capacity' },
  security: { zh: '安全事件', en: 'security' },
  human: { zh: '人为操作', en: 'human error' },
  external: { zh: '外部环境（停电等）', en: 'external (power etc.)' },
  other: { zh: '其他', en: 'other' },
};

export const ACTION_TYPES = ['bug_fix', 'change', 'other'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];
export const ACTION_TYPE_NAMES: Record<ActionType, Names> = {
  bug_fix: { zh: 'BUG 修复', en: 'bug fix' },
  change: { zh: '变更', en: 'change' },
  other: { zh: '其他', en: 'other' },
};
export type ActionState = 'open' | 'done' | 'waived';
export const ACTION_STATE_NAMES: Record<ActionState, Names> = {
  open: { zh: '进行中', en: 'open' },
  done: { zh: '已完成', en: 'done' },
  waived: { zh: '已豁免', en: 'waived' },
};

export const FEEDBACK_CHANNELS = ['phone', 'sms', 'wechat', 'email', 'notice', 'meeting', 'document', 'other'] as const;
export type FeedbackChannel = (typeof FEEDBACK_CHANNELS)[number];
export const CHANNEL_NAMES: Record<FeedbackChannel, Names> = {
  phone: { zh: '电话', en: 'phone' },
  sms: { zh: '短信', en: 'SMS' },
  wechat: { zh: '微信/企业微信', en: 'WeChat' },
  email: { zh: '邮件', en: 'e-mail' },
  notice: { zh: '平台公告', en: 'platform notice' },
  meeting: { zh: '会议/当面', en: 'meeting' },
  document: { zh: '书面报告', en: 'written report' },
  other: { zh: '其他', en: 'other' },
};

export const TIMELINE_KINDS = ['created', 'note', 'transition', 'update', 'link', 'action', 'feedback'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/**
 * Platform modules an incident can affect: the city's module names (docs/architecture.md "Modules") plus the
 * platform's own parts. Input may name them by key or by their Chinese name.
 */
export const MODULE_NAMES: Record<string, Names> = {
  overview: { zh: '全局概览', en: 'overview' },
  registry: { zh: '数据资源', en: 'data resources' },
  analytics: { zh: '数据分析', en: 'analysis' },
  public: { zh: '公众服务', en: 'public service' },
  sharing: { zh: '共享停车', en: 'shared parking' },
  themes: { zh: '市域专题应用', en: 'city thematic applications' },
  sessions: { zh: '停车流水', en: 'parking records' },
  ingest: { zh: '数据接入', en: 'data ingest' },
  monitoring: { zh: '数据同步监控', en: 'sync monitoring' },
  onboarding: { zh: '县市区接入', en: 'county onboarding' },
  payments: { zh: '支付', en: 'payments' },
  tickets: { zh: '工单', en: 'work orders' },
  reports: { zh: '报表', en: 'reports' },
  console: { zh: '运营管理平台', en: 'operations console' },
  platform: { zh: '平台整体', en: 'whole platform' },
};
export const MODULE_KEYS: readonly string[] = Object.keys(MODULE_NAMES);

const MODULE_BY_NAME = new Map<string, string>(Object.entries(MODULE_NAMES).flatMap(([key, n]) => [[key, key], [n.zh, key], [n.en.toLowerCase(), key]]));

/** A module key from a key or a name; null when unknown. */
export function moduleKey(value: string): string | null {
  return MODULE_BY_NAME.get(value.trim()) ?? MODULE_BY_NAME.get(value.trim().toLowerCase()) ?? null;
}

/** Names of the fields an edit changes, as the handling process (timeline) shows them. */
export const FIELD_NAMES: Record<string, string> = {
  title: '标题', description: '描述', severity: '级别', occurred_at: '发生时间', detected_at: '发现时间',
  detection_source: '发现方式', reporter: '报告人', commander: '负责人', resolution: '处置结果',
  root_cause: '原因分析', root_cause_category: '原因分类', scope_description: '影响范围说明',
  scope_modules: '影响模块', scope_districts: '影响县市区', scope_lots: '影响停车场',
  affected_users: '受影响用户数', affected_users_note: '受影响用户说明',
  type: '措施类型', owner: '负责人', planned_date: '计划完成日期',
};
export const fieldName = (field: string): string => FIELD_NAMES[field] ?? field;
