import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http.js';

/*
 * Wire shapes of shared parking (docs/共享停车接口.md has the contract). Responses are serialised
 * through these schemas: every field is declared here. Money in fen, times ISO 8601.
 */

const Hhmm = Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', description: 'HH:mm（上海时间；24:00 仅作结束） / HH:mm Shanghai time (24:00 only as an end)' });
const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD（上海日期） / Shanghai day' });
const Fen = (description: string) => Type.Integer({ minimum: 0, maximum: 100_000_000, description });

export const WindowSchema = Type.Object({
  days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, description: '星期（1=周一 … 7=周日），时段开始的那天 / ISO weekdays on which the window starts' }),
  start: Hhmm,
  end: { ...Hhmm, description: '结束不晚于开始即跨零点到次日；与开始相同为 24 小时 / an end not after the start crosses midnight; equal to the start: 24 hours' },
  on: Type.Optional(Type.Union([Type.Literal('workdays'), Type.Literal('rest_days')], {
    description: '按法定日历：workdays 仅工作日（含调休上班日），rest_days 仅休息日（周末与节假日）；不填按星期 / by the official calendar: working days only, or weekends and holidays only',
  })),
});

const Rules = Type.Object({
  maxMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 7 * 1440, description: '单次预约最长分钟数 / longest booking in minutes' }))),
  graceMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 240, description: '到场宽限（分钟，默认 30）：开始后此时仍未入场记为爽约 / arrival grace, default 30' })),
  newEnergyOnly: Type.Optional(Type.Boolean({ description: '仅限新能源车（8 位号牌） / new-energy plates only' })),
  cancelCutoffMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10080, description: '公众可在开始前多少分钟之前免费取消（默认 30） / citizens cancel until this many minutes before the start, default 30' })),
}, { description: '规则 / rules' });

export const OfferBody = Type.Object({
  lotCode: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  spaces: Type.Integer({ minimum: 1, maximum: 10000, description: '共享泊位数 / spaces shared' }),
  windows: Type.Array(WindowSchema, { minItems: 1, maxItems: 28 }),
  priceFenPerHour: Type.Optional(Nullable(Fen('每小时价格（分，不足一小时按一小时） / price per started hour in fen'))),
  priceFenPerBooking: Type.Optional(Nullable(Fen('按次价格（分），设置后优先 / one price per booking in fen; takes precedence'))),
  overstayFenPerHour: Type.Optional(Nullable(Fen('超时每小时收费（分，默认同每小时价格） / overstay per started hour, default the hourly price'))),
  dateFrom: Type.Optional(Nullable(Day)),
  dateTo: Type.Optional(Nullable(Day)),
  exceptionDates: Type.Optional(Type.Array(Day, { maxItems: 366, description: '不开放的日期（如节假日） / days without windows (e.g. holidays)' })),
  rules: Type.Optional(Rules),
  submit: Type.Optional(Type.Boolean({ description: '共享单位提交审核（默认 true），false 存为草稿 / an owner submits for approval (default) or keeps a draft' })),
});
export type OfferBody = Static<typeof OfferBody>;

export const OFFER_STATUSES = ['draft', 'submitted', 'approved', 'paused', 'ended'] as const;
export const BOOKING_STATUSES = ['booked', 'entered', 'completed', 'cancelled', 'cancelled_by_owner', 'no_show'] as const;

export const Offer = Type.Object({
  id: Type.Integer(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('submitted'), Type.Literal('approved'), Type.Literal('paused'), Type.Literal('ended')], { description: 'draft 草稿 → submitted 待审 → approved 可预约 → paused 暂停 → ended 结束' }),
  lotCode: Type.String(),
  lotName: Type.String(),
  districtCode: Type.String(),
  ownerCode: Nullable(Type.String()),
  ownerName: Nullable(Type.String()),
  name: Type.String(),
  spaces: Type.Integer(),
  windows: Type.Array(WindowSchema),
  dateFrom: Nullable(Type.String()),
  dateTo: Nullable(Type.String()),
  exceptionDates: Type.Array(Type.String()),
  priceFenPerHour: Nullable(Type.Integer()),
  priceFenPerBooking: Nullable(Type.Integer()),
  overstayFenPerHour: Nullable(Type.Integer()),
  rules: Type.Object({ maxMinutes: Nullable(Type.Integer()), graceMinutes: Type.Integer(), newEnergyOnly: Type.Boolean(), cancelCutoffMinutes: Type.Integer() }),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  approvedAt: Nullable(Type.String({ format: 'date-time' })),
  approvedBy: Nullable(Type.String()),
}, { $id: 'SharingOffer' });
export type Offer = Static<typeof Offer>;

export const OfferList = Type.Object({ items: Type.Array(Type.Ref('SharingOffer')), total: Type.Integer() });
export const OfferListQuery = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 100, description: '逗号分隔的状态 / comma-separated statuses' })),
  lotCode: Type.Optional(Type.String({ maxLength: 64 })),
  ownerCode: Type.Optional(Type.String({ maxLength: 64 })),
});
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
export const BookingIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 9007199254740991 }) });

export const BookingBody = Type.Object({
  offerId: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  plate: Type.String({ minLength: 1, maxLength: 16 }),
  phone: Type.String({ minLength: 5, maxLength: 20, pattern: '^[0-9+ -]+$' }),
  start: Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601；无时区按上海时间 / ISO 8601, Shanghai time without an offset' }),
  end: Type.String({ minLength: 10, maxLength: 40 }),
});
export type BookingBody = Static<typeof BookingBody>;

const bookingFields = {
  id: Type.Integer(),
  status: Type.Union([Type.Literal('booked'), Type.Literal('entered'), Type.Literal('completed'), Type.Literal('cancelled'), Type.Literal('cancelled_by_owner'), Type.Literal('no_show')], { description: 'booked 已预约、entered 已入场、completed 已完成、cancelled 已取消、cancelled_by_owner 单位取消、no_show 爽约' }),
  offerId: Type.Integer(),
  offerName: Type.String(),
  lotCode: Type.String(),
  lotName: Type.String(),
  plate: Type.String({ description: '号牌（无 pii 权限时脱敏） / plate, masked without pii' }),
  phone: Type.String({ description: '手机号（脱敏） / phone, masked' }),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  feeFen: Type.Integer({ description: '预约费用（分） / booking fee in fen' }),
  paymentState: Type.String({ description: 'free 免费、pay_at_exit 出场缴费（支付对接前）' }),
  enteredAt: Nullable(Type.String({ format: 'date-time' })),
  exitedAt: Nullable(Type.String({ format: 'date-time' })),
  sessionId: Nullable(Type.Integer({ description: '出场关闭的停车记录 / the parking session the exit closed' })),
  overstayMinutes: Type.Integer(),
  overstayFeeFen: Type.Integer(),
  cancelledAt: Nullable(Type.String({ format: 'date-time' })),
  cancelledBy: Nullable(Type.String()),
  disputeTicketNo: Nullable(Type.String({ description: '争议工单号 / the work order of a dispute' })),
  createdAt: Type.String({ format: 'date-time' }),
};
export const Booking = Type.Object(bookingFields, { $id: 'SharingBooking' });
export type Booking = Static<typeof Booking>;
export const BookingCreated = Type.Object({
  ...bookingFields,
  plate: Type.String({ description: '规范化号牌 / normalised plate' }),
  cancelCode: Type.String({ description: '取消码：凭预约号与取消码在公众端查询、取消（只显示一次） / with the booking id, lets the citizen see and cancel the booking (shown once)' }),
});
export const CitizenBookings = Type.Object({
  plate: Type.String({ description: '验证过的号牌 / the verified plate' }),
  plateMasked: Type.String(),
  since: Type.String({ format: 'date-time', description: '最早的开始时间（90 天前） / earliest start included (90 days back)' }),
  items: Type.Array(Type.Ref('SharingBooking'), { description: '开始时间倒序，最多 200 笔 / newest start first, at most 200' }),
});
export const BookingList = Type.Object({ items: Type.Array(Type.Ref('SharingBooking')), total: Type.Integer() });
export const BookingListQuery = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 200, description: '逗号分隔的状态 / comma-separated statuses' })),
  offerId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
  lotCode: Type.Optional(Type.String({ maxLength: 64 })),
  plate: Type.Optional(Type.String({ maxLength: 16 })),
  from: Type.Optional(Type.String({ maxLength: 40, description: '开始时间不早于（ISO 8601，或上海日期 YYYY-MM-DD） / start at or after (ISO 8601, or a Shanghai day)' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: '开始时间早于（ISO 8601；上海日期 YYYY-MM-DD 含当天） / start before (ISO 8601; a Shanghai day is included)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});
export const PublicCancelBody = Type.Object({ cancelCode: Type.String({ minLength: 1, maxLength: 64 }) });
export const PublicBookingQuery = Type.Object({ cancelCode: Type.String({ minLength: 1, maxLength: 64 }) });

export const OwnerBody = Type.Object({
  code: Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  contactName: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
  contactPhone: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
  lotCodes: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 200 }),
  usernames: Type.Optional(Type.Array(Type.String({ minLength: 2, maxLength: 64 }), { maxItems: 50, description: '关联的 share_owner 账号 / share_owner accounts of the owner' })),
});
export type OwnerBody = Static<typeof OwnerBody>;
export const Owner = Type.Object({
  id: Type.Integer(), code: Type.String(), name: Type.String(), contactName: Nullable(Type.String()), contactPhone: Nullable(Type.String()),
  status: Type.String(), lotCodes: Type.Array(Type.String()), usernames: Type.Array(Type.String()),
}, { $id: 'SharingOwner' });
export type Owner = Static<typeof Owner>;
export const OwnerList = Type.Object({ items: Type.Array(Type.Ref('SharingOwner')) });

export const NearbyOffersQuery = Type.Object({
  lng: Type.Number({ minimum: -180, maximum: 180 }),
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  radius: Type.Optional(Type.Number({ minimum: 1, maximum: 5000, description: '米，默认 1000 / metres, default 1000' })),
  from: Type.String({ minLength: 10, maxLength: 40 }),
  to: Type.String({ minLength: 10, maxLength: 40 }),
});
export const NearbyOffers = Type.Object({
  items: Type.Array(Type.Object({
    offerId: Type.Integer(), name: Type.String(), lotCode: Type.String(), lotName: Type.String(), lng: Nullable(Type.Number()), lat: Nullable(Type.Number()),
    distanceM: Type.Integer(), spaces: Type.Integer(), freeSpaces: Type.Integer({ description: '该时段内任一时刻都空着的泊位数 / spaces free throughout the slot' }),
    feeFen: Type.Integer({ description: '该时段的预约费用（分） / fee of the slot in fen' }), windows: Type.Array(WindowSchema), newEnergyOnly: Type.Boolean(),
  })),
});

export const KpisQuery = Type.Object({
  month: Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: '上海自然月 YYYY-MM / Shanghai month' }),
  groupBy: Type.Optional(Type.Union([Type.Literal('owner'), Type.Literal('district'), Type.Literal('offer')], { description: '分组，默认 owner / grouping, default owner' })),
});
const KpiFigures = {
  offeredHours: Type.Number({ description: '共享泊位小时（泊位数 × 时段小时） / space-hours offered' }),
  bookedHours: Type.Number({ description: '预约时长（未取消的预约） / hours booked (not cancelled)' }),
  usedHours: Type.Number({ description: '实际停放时长（入场至出场，截至预约结束或出场） / hours used' }),
  bookings: Type.Integer(), entered: Type.Integer(), noShows: Type.Integer(), overstays: Type.Integer(),
  utilisationBooked: Nullable(Type.Number({ description: 'bookedHours ÷ offeredHours' })),
  utilisationUsed: Nullable(Type.Number({ description: 'usedHours ÷ offeredHours' })),
  fulfilmentRate: Nullable(Type.Number({ description: '入场 ÷ 到期预约 / entered ÷ bookings due' })),
  noShowRate: Nullable(Type.Number({ description: '爽约 ÷ 到期预约 / no-shows ÷ bookings due' })),
  overstayRate: Nullable(Type.Number({ description: '超时 ÷ 入场 / overstays ÷ entered' })),
  revenueFen: Type.Integer({ description: '预约费 + 超时费（分） / booking and overstay fees in fen' }),
};
export const Kpis = Type.Object({
  month: Type.String(),
  groupBy: Type.String(),
  total: Type.Object(KpiFigures),
  groups: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), ...KpiFigures })),
});
export const StatementQuery = Type.Object({
  month: Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' }),
  ownerCode: Type.String({ minLength: 1, maxLength: 64 }),
  platformSharePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: '平台分成百分比（默认 10） / platform share in percent, default 10' })),
});

export const StatementConfirmBody = Type.Object({
  month: Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' }),
  ownerCode: Type.String({ minLength: 1, maxLength: 64 }),
  platformSharePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
});
export const ConfirmedStatement = Type.Object({
  ownerCode: Type.String(), month: Type.String(), bookings: Type.Integer(), usedHours: Type.Number(), revenueFen: Type.Integer(),
  platformSharePercent: Type.Number(), platformShareFen: Type.Integer(), ownerShareFen: Type.Integer(),
  confirmedAt: Type.String({ format: 'date-time' }), confirmedBy: Type.String(),
});

export const DisputeBody = Type.Object({
  category: Type.Optional(Type.Union(['fee_dispute', 'wrong_charge', 'plate_misread', 'availability_wrong', 'other'].map((c) => Type.Literal(c)), { description: '工单类别，默认 fee_dispute / work-order category' })),
  description: Type.String({ minLength: 1, maxLength: 2000, description: '争议内容 / what the dispute is about' }),
  citizenPhone: Type.Optional(Type.String({ maxLength: 20 })),
});
