import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

const Names = Type.Object({ zh: Type.String(), en: Type.String() });

export const CalendarQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 10, description: '起始日 YYYY-MM-DD（上海），默认今天 / first day, default today' })),
  to: Type.Optional(Type.String({ maxLength: 10, description: '截止日 YYYY-MM-DD（含），默认起始日后 89 天；最多 400 天 / last day (inclusive), default from + 89 days; at most 400 days' })),
});

const DaySchema = Type.Object({
  date: Type.String(),
  weekday: Type.Integer({ description: '1 = 周一 … 7 = 周日 / ISO weekday' }),
  working: Type.Boolean(),
  kind: Type.Union([Type.Literal('workday'), Type.Literal('weekend'), Type.Literal('holiday'), Type.Literal('makeup_workday')], {
    description: 'workday 工作日 | weekend 周末 | holiday 法定节假日 | makeup_workday 调休上班',
  }),
  festival: Nullable(Names),
  inLieu: Type.Boolean({ description: '调休补休日 / weekday off in lieu' }),
  covered: Type.Boolean({ description: 'false：该年无节假日数据，按周一至周五计 / no holiday data for the year: Mon–Fri only' }),
});

const Coverage = Type.Object({ source: Type.String(), firstYear: Type.Integer(), lastYear: Type.Integer() });

export const CalendarResponse = Type.Object({
  from: Type.String(),
  to: Type.String(),
  coverage: Coverage,
  warning: Nullable(Type.String()),
  workingDays: Type.Integer(),
  days: Type.Array(DaySchema),
});

const Warn = Type.Union([
  Type.Object({ fraction: Type.Number({ description: '计时达到时限的该比例时预警 / warn at this fraction of the target' }) }),
  Type.Object({ minutesBefore: Type.Number({ description: '到期前若干（日历）分钟预警 / warn this many calendar minutes before due' }) }),
]);

const CalendarSchema = Type.Object({
  id: Type.String(),
  name: Type.Optional(Names),
  periods: Type.Array(Type.Object({ start: Type.String(), end: Type.String() })),
  workingDaysOnly: Type.Boolean(),
  minutesPerDay: Type.Number(),
});

export const PolicySchema = Type.Object({
  key: Type.String(),
  subjectType: Type.String(),
  kind: Type.String(),
  appliesTo: Type.Object({ priority: Type.Optional(Type.String()), channel: Type.Optional(Type.String()), severity: Type.Optional(Type.Integer()) }),
  targetMinutes: Type.Integer(),
  target: Type.String({ description: '时限的可读形式 / the target in words' }),
  calendarId: Type.String(),
  warn: Warn,
  pausesIn: Type.Array(Type.String()),
  startsAt: Type.String(),
  endsAt: Type.String(),
  basis: Type.String(),
  overridden: Type.Boolean({ description: '已改动默认值 / changed from the default' }),
}, { $id: 'SlaPolicy' });

export const PoliciesResponse = Type.Object({
  calendars: Type.Array(CalendarSchema),
  policies: Type.Array(Type.Ref('SlaPolicy')),
});

export const PolicyKeyParams = Type.Object({ key: Type.String({ maxLength: 64, description: '策略键，如 ticket.normal.resolution / policy key' }) });

export const PolicyChangeBody = Type.Object({
  targetMinutes: Type.Integer({ minimum: 1, maximum: 525_600, description: '时限（所选日历的分钟；1 个工作日 = 450） / target in calendar minutes (a working day is 450)' }),
  calendarId: Type.String({ maxLength: 32, description: 'business | 24x7' }),
  warnFraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: '默认 0.8 / default 0.8' })),
  warnMinutesBefore: Type.Optional(Type.Integer({ minimum: 0 })),
}, { additionalProperties: false });
