import { TICKET_PRIORITIES, type TicketPriority } from '../sla/index.js';

/* The codes integrators send (docs/architecture.md "Work orders") and the Chinese labels people read. */

/** The channels of citizens' requests (what channel clients push and citizens use). */
export const TICKET_CHANNELS = ['hotline_12345', 'wechat', 'alipay', 'phone', 'web', 'onsite'] as const;
/**
 * Internal service requests (内部服务: users of the platform asking the operations team for help,
 * issue 20 §5) — a channel of their own, with their own categories, registered in the console
 * only and counted apart from the citizens' requests in the KPIs (docs/用户手册.md §9.14).
 */
export const INTERNAL_CHANNEL = 'internal';
export const ALL_TICKET_CHANNELS = [...TICKET_CHANNELS, INTERNAL_CHANNEL] as const;
export type TicketChannel = (typeof ALL_TICKET_CHANNELS)[number];

/** The categories of citizens' requests. */
export const TICKET_CATEGORIES = [
  'fee_dispute', 'wrong_charge', 'plate_misread', 'payment_failure', 'refund',
  'lot_info_wrong', 'availability_wrong', 'facility_fault', 'service_attitude', 'suggestion', 'other',
] as const;
/** The categories of internal service requests (电话咨询、远程协助、现场指导). */
export const INTERNAL_CATEGORIES = ['phone_consult', 'remote_assist', 'onsite_guidance'] as const;
export const ALL_TICKET_CATEGORIES = [...TICKET_CATEGORIES, ...INTERNAL_CATEGORIES] as const;
export type TicketCategory = (typeof ALL_TICKET_CATEGORIES)[number];

export const isInternalCategory = (c: string): boolean => (INTERNAL_CATEGORIES as readonly string[]).includes(c);

export { TICKET_PRIORITIES, type TicketPriority };

export const TICKET_STATES = [
  'new', 'assigned', 'in_progress', 'waiting_citizen', 'resolved', 'feedback_given', 'confirmed', 'closed', 'reopened', 'cancelled',
] as const;
export type TicketState = (typeof TICKET_STATES)[number];

/** No further transition: the ticket is done with (a merged duplicate is `closed`). */
export const TERMINAL_STATES: readonly TicketState[] = ['closed', 'cancelled'];
/** Being worked on or waiting for work: what queues show by default. */
export const OPEN_STATES: readonly TicketState[] = ['new', 'assigned', 'in_progress', 'waiting_citizen', 'reopened'];
/** Counted as closed by the KPIs (the citizen has confirmed). */
export const CLOSED_FOR_KPI: readonly TicketState[] = ['confirmed', 'closed'];
/** Reached `resolved` and not reopened since. */
export const RESOLVED_STATES: readonly TicketState[] = ['resolved', 'feedback_given', 'confirmed', 'closed'];

export const CHANNEL_LABELS: Record<TicketChannel, string> = {
  hotline_12345: '12345热线',
  wechat: '微信',
  alipay: '支付宝',
  phone: '电话',
  web: '网站/H5',
  onsite: '现场',
  internal: '内部服务',
};

export const CATEGORY_LABELS: Record<TicketCategory, string> = {
  fee_dispute: '收费争议',
  wrong_charge: '错误扣费',
  plate_misread: '车牌识别错误',
  payment_failure: '支付失败',
  refund: '退款',
  lot_info_wrong: '车场信息有误',
  availability_wrong: '空位信息不准',
  facility_fault: '设施故障',
  service_attitude: '服务态度',
  suggestion: '建议',
  other: '其他',
  phone_consult: '电话咨询',
  remote_assist: '远程协助',
  onsite_guidance: '现场指导',
};

export const PRIORITY_LABELS: Record<TicketPriority, string> = { urgent: '紧急', high: '高', normal: '普通', low: '低' };

export const STATE_LABELS: Record<TicketState, string> = {
  new: '新建',
  assigned: '已派单',
  in_progress: '处理中',
  waiting_citizen: '等待市民',
  resolved: '已办结',
  feedback_given: '已反馈',
  confirmed: '市民已确认',
  closed: '已关闭',
  reopened: '已重开',
  cancelled: '已撤销',
};
