// What the audit log (审计日志) shows for its codes: action names, target kinds and the fields of
// a row's detail, in Chinese and English (issue 15 §4). A code missing here is shown as it is,
// marked as a code (data-latin-ok), so that a new action is never hidden.
import { formatDateTime } from '../../utils/format';

type Names = { zh: string; en: string };
const n = (zh: string, en: string): Names => ({ zh, en });

export const ACTION_NAMES: Record<string, Names> = {
  'auth.login': n('登录', 'sign in'),
  'auth.logout': n('退出登录', 'sign out'),
  'user.create': n('新建用户', 'create user'),
  'user.update': n('修改用户', 'update user'),
  'user.reset_password': n('重置密码', 'reset password'),
  'user.change_password': n('修改本人密码', 'change own password'),
  'district.create': n('新建县市区', 'create district'),
  'operator.create': n('新建运营单位', 'create operator'),
  'operator.update': n('修改运营单位', 'update operator'),
  'source.create': n('新建接入系统', 'create data source'),
  'source.update': n('修改接入系统', 'update data source'),
  'source.rotate_secret': n('重置接入密钥', 'rotate source secret'),
  'lot.create': n('新建停车场', 'create lot'),
  'lot.update': n('修改停车场', 'update lot'),
  'lot.import': n('批量导入停车场', 'import lots'),
  'lot.import.create': n('导入新建停车场', 'import: lot created'),
  'lot.import.update': n('导入更新停车场', 'import: lot updated'),
  'berth.create': n('新建泊位', 'create berth'),
  'berth.bulk_create': n('批量新建泊位', 'create berths'),
  'berth.update': n('修改泊位', 'update berth'),
  'berth.delete': n('删除泊位', 'delete berth'),
  'ingest.history': n('写入历史数据', 'write history'),
  'ingest.import': n('导入事件', 'import events'),
  'ingest.import_snapshots': n('导入占用快照', 'import snapshots'),
  'quarantine.replay': n('重放隔离事件', 'replay quarantined events'),
  'quarantine.discard': n('丢弃隔离事件', 'discard quarantined events'),
  'quarantine.read_body': n('查看隔离原文', 'read quarantined body'),
  'session.read_pii': n('查看完整车牌', 'read full plate'),
  'session.read_photo': n('查看抓拍图片', 'view snapshot'),
  exclude: n('排除记录', 'set aside'),
  include: n('恢复记录', 'take back'),
  set_plate: n('修正车牌', 'correct plate'),
  set_receivable: n('修正应收', 'correct receivable'),
  set_total_spaces: n('修正总泊位', 'correct total spaces'),
  'analytics.rebuild': n('重算指标汇总', 'rebuild rollups'),
  'analytics.kpis.download': n('下载指标', 'download KPIs'),
  'monitoring.evaluate': n('同步监控评估', 'monitoring evaluation'),
  'monitoring.alert.ack': n('确认告警', 'acknowledge alert'),
  'monitoring.followup.complete': n('完成跟进', 'complete follow-up'),
  'monitoring.problem_source.mark': n('标记问题接入单位', 'mark problem source'),
  'monitoring.problem_source.clear': n('解除问题接入单位', 'clear problem source'),
  'monitoring.window.create': n('新建维护窗口', 'create maintenance window'),
  'monitoring.window.update': n('修改维护窗口', 'update maintenance window'),
  'monitoring.window.delete': n('删除维护窗口', 'delete maintenance window'),
  'report.sync.download': n('下载同步监控报告', 'download sync report'),
  'notification_channel.create': n('新建通知渠道', 'create channel'),
  'notification_channel.update': n('修改通知渠道', 'update channel'),
  'notification_channel.delete': n('删除通知渠道', 'delete channel'),
  'onboarding.create': n('新建接入条目', 'create onboarding entry'),
  'onboarding.update': n('修改接入条目', 'update onboarding entry'),
  'onboarding.delete': n('删除接入条目', 'delete onboarding entry'),
  'onboarding.stage': n('变更接入阶段', 'change onboarding stage'),
  'onboarding.import': n('导入接入清单', 'import onboarding list'),
  'onboarding.import.create': n('导入新建接入条目', 'import: entry created'),
  'onboarding.import.update': n('导入更新接入条目', 'import: entry updated'),
  'onboarding.auto_connect': n('自动标记已接入', 'mark connected'),
  'onboarding.report.download': n('下载接入进展清单', 'download onboarding list'),
  'quality.scan': n('数据清洗扫描', 'quality scan'),
  'quality.fix': n('修正问题', 'fix finding'),
  'quality.dismiss': n('忽略问题', 'dismiss finding'),
  'quality.revert': n('撤销修正', 'revert fix'),
  'quality.rule.update': n('修改清洗规则', 'update rule'),
  'quality.tariff.update': n('登记收费标准', 'set tariff'),
  'quality.tariff.delete': n('删除收费标准', 'remove tariff'),
  'incident.create': n('登记事件', 'record incident'),
  'incident.update': n('修改事件', 'update incident'),
  'incident.transition': n('事件状态变更', 'incident transition'),
  'incident.note': n('添加处理记录', 'add timeline note'),
  'incident.link': n('关联事件', 'link to incident'),
  'incident.unlink': n('取消关联', 'unlink from incident'),
  'incident.feedback': n('反馈用户', 'give feedback'),
  'incident.action.create': n('新增后续措施', 'add follow-up action'),
  'incident.action.update': n('修改后续措施', 'update follow-up action'),
  'incident.action.complete': n('完成后续措施', 'complete follow-up action'),
  'incident.action.waive': n('豁免后续措施', 'waive follow-up action'),
  'ticket.create': n('新建工单', 'create ticket'),
  'ticket.update': n('修改工单', 'update ticket'),
  'ticket.transition': n('工单状态变更', 'ticket transition'),
  'ticket.comment': n('工单回复', 'comment on ticket'),
  'ticket.merge': n('合并工单', 'merge tickets'),
  'ticket.citizen_link': n('生成市民链接', 'citizen link'),
  'ticket.attachment.add': n('上传附件', 'add attachment'),
  'ticket.attachment.download': n('下载附件', 'download attachment'),
  'ticket_team.create': n('新建处置班组', 'create team'),
  'ticket_team.update': n('修改处置班组', 'update team'),
  'ticket_client.create': n('新建工单接入方', 'create ticket client'),
  'ticket_client.update': n('修改工单接入方', 'update ticket client'),
  'ticket_client.rotate_secret': n('重置接入方密钥', 'rotate client secret'),
  'sla.policy.update': n('修改时限标准', 'update SLA policy'),
  'sla.policy.reset': n('恢复默认时限', 'reset SLA policy'),
  'inspection.run': n('执行巡检', 'run inspection'),
  'inspection.item_update': n('修改巡检项', 'update inspection item'),
  'work_report.generate': n('生成工作报告', 'generate work report'),
  'work_report.submit': n('提交工作报告', 'submit work report'),
  'work_report.approve': n('审核通过工作报告', 'approve work report'),
  'work_report.return': n('退回工作报告', 'return work report'),
  'work_report.edit': n('修改工作报告', 'edit work report'),
  'payment_channel.create': n('新建支付通道', 'create payment channel'),
  'payment_order.create': n('新建支付订单', 'create pay order'),
  'payment_order.sandbox_pay': n('沙箱支付', 'sandbox payment'),
  'payment_recon.import': n('导入对账单', 'import bill'),
  'payment_recon.resolve': n('处理对账差异', 'resolve difference'),
  'arrears.export': n('导出欠费台账', 'export arrears ledger'),
  'arrears.read_pii': n('查看欠费完整车牌', 'view arrears plate'),
  'arrears.bill.create': n('开具欠费账单', 'create arrears bill'),
  'arrears.settle': n('欠费缴清', 'arrears settled'),
  'arrears.settings.update': n('修改追缴设置', 'update arrears settings'),
  'arrears.refusals.read': n('读取拒绝入场名单', 'read refusal list'),
  'arrears.writeoff.request': n('申请核销', 'request write-off'),
  'arrears.writeoff.approve': n('批准核销', 'approve write-off'),
  'arrears.writeoff.reject': n('驳回核销', 'reject write-off'),
  'public.announcement.create': n('新建公告', 'create announcement'),
  'public.announcement.update': n('修改公告', 'update announcement'),
  'public.announcement.delete': n('删除公告', 'delete announcement'),
  'public.lot_settings.update': n('修改公众展示设置', 'update public settings'),
  'public.sign_group.create': n('新建诱导屏组', 'create sign group'),
  'public.sign_group.update': n('修改诱导屏组', 'update sign group'),
  'public.sign_group.delete': n('删除诱导屏组', 'delete sign group'),
  'public.citizen.verified': n('市民手机验证', 'citizen verified'),
  'security.vulnerability.create': n('登记漏洞', 'record vulnerability'),
  'security.vulnerability.update': n('修改漏洞', 'update vulnerability'),
  'security.vulnerability.transition': n('漏洞处置进展', 'vulnerability step'),
  'security.vulnerability.import': n('导入扫描结果', 'import scan'),
  'security.deadline.update': n('修改修复时限', 'update fix deadline'),
  'security.review.open': n('开启权限审查', 'open permission review'),
  'security.review.decide': n('权限审查决定', 'review decision'),
  'security.review.sign_off': n('签署权限审查', 'sign off review'),
  'sharing.owner.create': n('新建共享单位', 'create sharing owner'),
  'sharing.offer.create': n('新建共享时段', 'create offer'),
  'sharing.offer.edit': n('修改共享时段', 'edit offer'),
  'sharing.offer.end': n('结束共享时段', 'end offer'),
  'sharing.booking.cancel': n('取消预约', 'cancel booking'),
  'sharing.booking.dispute': n('预约争议', 'booking dispute'),
  'sharing.booking.read_pii': n('查看预约车牌', 'read booking plate'),
  'sharing.statement.confirm': n('确认结算单', 'confirm statement'),
  'themes.create': n('新建专题', 'create theme'),
  'themes.update': n('修改专题', 'update theme'),
  'themes.delete': n('删除专题', 'delete theme'),
  'themes.report.download': n('下载专题报告', 'download theme report'),
  'demo.history': n('生成演示历史数据', 'write demo history'),
  'archive.restore': n('恢复归档数据', 'restore archive'),
  'arrears.refund_reopen': n('退款重开欠费', 'refund reopens arrears'),
  'audit.export': n('导出审计日志', 'export audit log'),
  'auth.totp_enable': n('启用动态口令', 'enable TOTP'),
  'auth.totp_disable': n('停用动态口令', 'disable TOTP'),
  'user.totp_reset': n('重置用户动态口令', 'reset user TOTP'),
  'connector.create': n('新建数据对接', 'create connector'),
  'connector.update': n('修改数据对接', 'update connector'),
  'connector.dry_run': n('试运行数据对接', 'connector dry run'),
  'connector.backfill': n('数据对接补采', 'connector backfill'),
  'migration.import': n('导入旧系统数据', 'import legacy data'),
  'migration.verify': n('核对迁移数据', 'verify migration'),
  'payment_order.sandbox_refund': n('沙箱退款', 'sandbox refund'),
  'report_schedule.update': n('修改报告计划', 'update report schedule'),
  'report_schedule.delete': n('删除报告计划', 'delete report schedule'),
  'report_schedule.generate': n('按计划生成报告', 'generate scheduled report'),
  'security.backup.run': n('执行备份', 'run backup'),
  'security.backup.verify': n('校验备份', 'verify backup'),
  'ticket.citizen_lookup': n('市民查询工单', 'citizen ticket lookup'),
  'ticket.import': n('导入工单', 'import ticket'),
  'notification_channel.test': n('测试通知渠道', 'test notification channel'),
};

export const TARGET_NAMES: Record<string, Names> = {
  user: n('用户', 'user'), district: n('县市区', 'district'), operator: n('运营单位', 'operator'), source: n('接入系统', 'source'),
  lot: n('停车场', 'lot'), berth: n('泊位', 'berth'), feed: n('数据导入', 'feed'), quarantine: n('隔离事件', 'quarantine'),
  parking_session: n('停车记录', 'session'), plate: n('车牌', 'plate'), analytics: n('指标', 'analytics'),
  monitoring_alert: n('同步告警', 'alert'), monitoring_followup: n('跟进任务', 'follow-up'), monitoring_window: n('维护窗口', 'window'),
  report: n('报告', 'report'), notification_channel: n('通知渠道', 'channel'), onboarding_entry: n('接入条目', 'onboarding entry'),
  onboarding_report: n('接入进展清单', 'onboarding list'), quality_finding: n('质量问题', 'finding'), quality_fix: n('修正', 'fix'),
  quality_rule: n('清洗规则', 'rule'), quality_scan: n('清洗扫描', 'scan'), incident: n('事件', 'incident'), ticket: n('工单', 'ticket'),
  ticket_team: n('处置班组', 'team'), ticket_client: n('工单接入方', 'ticket client'), sla_policy: n('时限标准', 'SLA policy'),
  inspection: n('巡检', 'inspection'), work_report: n('工作报告', 'work report'), payment_channel: n('支付通道', 'payment channel'),
  payment_order: n('支付订单', 'pay order'), payment_recon: n('对账单', 'bill'), payment_recon_line: n('对账差异', 'bill line'),
  announcement: n('公告', 'announcement'), sign_group: n('诱导屏组', 'sign group'), vulnerability: n('漏洞', 'vulnerability'),
  vulnerability_import: n('扫描导入', 'scan import'), plan_deadline: n('修复时限', 'fix deadline'), review: n('权限审查', 'review'),
  sharing_owner: n('共享单位', 'sharing owner'), sharing_offer: n('共享时段', 'offer'), sharing_booking: n('共享预约', 'booking'),
  theme: n('市域专题', 'theme'), demo: n('演示数据', 'demo'),
  arrears_bill: n('欠费账单', 'arrears bill'), arrears_ledger: n('欠费台账', 'arrears ledger'), arrears_settings: n('追缴设置', 'arrears settings'),
  arrears_writeoff: n('核销申请', 'write-off'), data_source: n('数据源', 'data source'),
};

/** Labels of the detail's fields (nested keys by their last name). */
export const FIELD_NAMES: Record<string, Names> = {
  before: n('修改前', 'before'), after: n('修改后', 'after'), changes: n('变更', 'changes'), field: n('字段', 'field'),
  reason: n('原因', 'reason'), note: n('备注', 'note'), name: n('名称', 'name'), code: n('编码', 'code'), title: n('标题', 'title'),
  username: n('用户名', 'username'), displayName: n('姓名', 'display name'), role: n('角色', 'role'), status: n('状态', 'status'),
  districtCode: n('县市区', 'district'), districts: n('县市区', 'districts'), lotCode: n('停车场', 'lot'), sourceCode: n('接入系统', 'source'),
  operatorId: n('运营单位', 'operator'), totalSpaces: n('总泊位', 'total spaces'), kind: n('类型', 'kind'), category: n('类别', 'category'),
  address: n('地址', 'address'), lng: n('经度', 'longitude'), lat: n('纬度', 'latitude'), enabled: n('启用', 'enabled'),
  severity: n('级别', 'severity'), state: n('状态', 'state'), from: n('自', 'from'), to: n('至', 'to'), count: n('数量', 'count'),
  lots: n('停车场数', 'lots'), created: n('新建', 'created'), updated: n('更新', 'updated'), rejected: n('拒绝', 'rejected'),
  accepted: n('接收', 'accepted'), duplicates: n('重复', 'duplicates'), rows: n('行数', 'rows'), file: n('文件', 'file'),
  fileName: n('文件名', 'file name'), dryRun: n('仅校验', 'dry run'), minSeverity: n('最低级别', 'minimum severity'),
  kinds: n('通知类型', 'kinds'), settings: n('设置', 'settings'), language: n('语言', 'language'), type: n('类型', 'type'),
  lockedNow: n('已锁定', 'locked now'), sessions: n('停车记录', 'sessions'), statusReports: n('状态上报', 'status reports'),
  payments: n('支付', 'payments'), scale: n('规模', 'scale'), seed: n('随机种子', 'seed'), parked: n('在场车辆', 'parked'),
  occurredAt: n('发生时间', 'occurred at'), detectionSource: n('发现方式', 'detected by'), links: n('关联', 'links'),
  findings: n('问题数', 'findings'), rule: n('规则', 'rule'), rules: n('规则', 'rules'), value: n('值', 'value'), id: n('编号', 'id'),
  targetMinutes: n('时限（分钟）', 'target (min)'), secretsChanged: n('变更的密钥', 'secrets changed'), alerts: n('告警', 'alerts'),
  opened: n('新开', 'opened'), resolved: n('已恢复', 'resolved'), ids: n('编号', 'ids'), channel: n('渠道', 'channel'),
};

export type Lang = 'zh' | 'en';
export const langOf = (locale: string): Lang => (locale === 'en' ? 'en' : 'zh');

/** An action's name; `known` false when the code is not in the map (shown as code). */
export function actionName(action: string, lang: Lang): { text: string; known: boolean } {
  const names = ACTION_NAMES[action];
  return names ? { text: names[lang], known: true } : { text: action, known: false };
}

/** The name a row's detail gives its target (a lot's, a user's …), if any. */
export function targetName(detail: unknown): string | null {
  if (!detail || typeof detail !== 'object') return null;
  const d = detail as Record<string, unknown>;
  for (const source of [d, d.after, d.before]) {
    if (source && typeof source === 'object') {
      const s = source as Record<string, unknown>;
      for (const key of ['name', 'title', 'displayName']) if (typeof s[key] === 'string' && s[key]) return s[key] as string;
    }
  }
  return null;
}

/** "停车场 南大街停车场（BT-CC-001）", "用户 admin" … */
export function targetText(targetType: string | null, targetId: string | null, detail: unknown, lang: Lang): string {
  if (!targetType) return '—';
  const kind = TARGET_NAMES[targetType]?.[lang] ?? targetType;
  const name = targetName(detail);
  const id = targetId ?? '';
  if (name && name !== id) return lang === 'zh' ? `${kind} ${name}（${id}）` : `${kind} ${name} (${id})`;
  return `${kind} ${id}`.trim();
}

export interface DetailField {
  label: string;
  /** The label is the raw key (no name known). */
  code: boolean;
  value: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function valueText(value: unknown, lang: Lang): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return lang === 'zh' ? (value ? '是' : '否') : value ? 'yes' : 'no';
  if (typeof value === 'number') return value.toLocaleString('zh-CN');
  if (typeof value === 'string') return ISO.test(value) ? formatDateTime(value) : value;
  if (Array.isArray(value)) return value.map((v) => valueText(v, lang)).join(lang === 'zh' ? '、' : ', ') || '—';
  return JSON.stringify(value);
}

/**
 * A detail as labelled fields: nested objects flattened ("修改后 · 名称"), a list of changes
 * as one line each ("名称：旧 → 新"), times in Shanghai, numbers with separators.
 */
export function detailFields(detail: unknown, lang: Lang): DetailField[] {
  if (detail === null || detail === undefined) return [];
  if (typeof detail !== 'object' || Array.isArray(detail)) return [{ label: lang === 'zh' ? '详情' : 'detail', code: false, value: valueText(detail, lang) }];
  const out: DetailField[] = [];
  const label = (key: string) => FIELD_NAMES[key]?.[lang];
  const walk = (obj: Record<string, unknown>, prefix: string, prefixCode: boolean, depth: number) => {
    for (const [key, value] of Object.entries(obj)) {
      const own = label(key);
      const text = prefix ? `${prefix} · ${own ?? key}` : (own ?? key);
      const code = prefixCode || !own;
      if (key === 'changes' && Array.isArray(value) && value.every((c) => c && typeof c === 'object' && 'field' in c)) {
        for (const c of value as { field: string; before?: unknown; after?: unknown }[]) {
          const name = label(c.field);
          out.push({ label: name ?? c.field, code: !name, value: `${valueText(c.before, lang)} → ${valueText(c.after, lang)}` });
        }
      } else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 2) {
        walk(value as Record<string, unknown>, text, code, depth + 1);
      } else {
        out.push({ label: text, code, value: valueText(value, lang) });
      }
    }
  };
  walk(detail as Record<string, unknown>, '', false, 0);
  return out;
}
