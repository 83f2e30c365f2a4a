// Shared by the data-access pages: tag colours and the column guide of the event import.
export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';

const QUARANTINE_TAGS: Record<string, TagType> = { open: 'warning', replayed: 'success', discarded: 'info' };
/** The API answers a quarantine entry's status as a plain string (open, replayed, discarded). */
export const quarantineStatusTag = (status: string): TagType => QUARANTINE_TAGS[status] ?? 'info';

export const viaTag = (via: string): TagType => (via === 'import' ? 'primary' : via === 'replay' ? 'success' : 'info');

/** Event file columns: field, the Chinese header of the template, the event types that use it. */
export const COLUMN_GUIDE: { field: string; header: string; types: string }[] = [
  { field: 'type', header: '类型', types: '全部 / all' },
  { field: 'eventId', header: '事件编号', types: '全部 / all' },
  { field: 'occurredAt', header: '发生时间', types: '全部 / all' },
  { field: 'lotCode', header: '车场编码', types: 'entry exit status payment' },
  { field: 'plate', header: '车牌', types: 'entry exit payment' },
  { field: 'ticketId', header: '票号', types: 'entry exit' },
  { field: 'plateColor', header: '车牌颜色', types: 'entry' },
  { field: 'berthCode', header: '泊位', types: 'entry' },
  { field: 'entryEventId', header: '入场事件编号', types: 'exit' },
  { field: 'enteredAt', header: '入场时间', types: 'exit' },
  { field: 'receivableFen', header: '应收(分)', types: 'exit' },
  { field: 'paidFen', header: '实收(分)', types: 'exit' },
  { field: 'payChannel', header: '支付方式', types: 'exit' },
  { field: 'totalSpaces', header: '总泊位', types: 'status' },
  { field: 'freeSpaces', header: '空余泊位', types: 'status' },
  { field: 'orderNo', header: '订单号', types: 'payment' },
  { field: 'amountFen', header: '金额(分)', types: 'payment' },
  { field: 'channel', header: '渠道', types: 'payment' },
  { field: 'paidAt', header: '支付时间', types: 'payment' },
  { field: 'photoUrl', header: '抓拍', types: 'entry exit' },
];
