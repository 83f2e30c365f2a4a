import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';
import { LOT_CATEGORIES } from '../registry/index.js';
import { PRIORITIES, STAGES } from './vocab.js';

/*
 * Wire shapes of the onboarding API (JSON, camelCase). The service checks every field again and
 * names the exact problem (INVALID_DATE, UNKNOWN_LOT …); these schemas document and pre-check.
 */

const Enum = (values: readonly string[], description: string) => Type.Union(values.map((v) => Type.Literal(v)), { description });
const Day = (description: string) => Type.String({ maxLength: 10, description: `${description}（YYYY-MM-DD，上海日期 / Shanghai date）` });
const Param = (description: string, maxLength = 64) => Type.Optional(Type.String({ maxLength, description }));

const STAGE_DOC = 'not_started 未启动 | contacting 联系中 | docking 对接中 | testing 测试中 | connected 已接入 | paused 暂停';

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: '条目编号 / entry id' }) });

const entryViewFields = {
    id: Type.Integer(),
    districtCode: Type.String(),
    districtName: Type.String(),
    name: Type.String(),
    address: Nullable(Type.String()),
    kind: Type.String({ description: 'off_street 场库 | on_street 路内' }),
    category: Type.String({ description: LOT_CATEGORIES.join(' | ') }),
    knownSpaces: Type.Integer({ description: '已知泊位数 / known spaces' }),
    operatorName: Nullable(Type.String()),
    contactName: Nullable(Type.String()),
    contactPhone: Nullable(Type.String()),
    keyArea: Type.Boolean({ description: '重点区域 / key area' }),
    highFrequency: Type.Boolean({ description: '高频使用 / high-frequency use' }),
    stage: Type.String({ description: STAGE_DOC }),
    stageDate: Day('最近一条进展记录的日期 / date of the latest history entry'),
    targetDate: Nullable(Day('目标日期 / target date')),
    overdue: Type.Boolean({ description: '目标日期已过且未接入 / the target date has passed and it is not connected' }),
    overdueDays: Type.Integer({ description: '逾期天数 / days past the target date' }),
    lotCode: Nullable(Type.String({ description: '关联的平台停车场编码 / linked registry lot' })),
    lotName: Nullable(Type.String()),
    lotReporting: Type.Boolean({ description: '关联停车场已上报数据 / the linked lot has reported' }),
    connectedOn: Nullable(Day('接入日期 / connected on')),
    latestNote: Nullable(Type.Object({ date: Type.String(), note: Type.String() })),
    remark: Nullable(Type.String()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
};

export const EntrySchema = Type.Object(entryViewFields, { $id: 'OnboardingEntry' });

export const HistoryItemSchema = Type.Object(
  {
    id: Type.Integer(),
    fromStage: Nullable(Type.String({ description: '原阶段，登记时为 null / previous stage, null for the registration' })),
    toStage: Type.String({ description: '新阶段；与原阶段相同即为进展说明 / new stage; the same as before for a progress note' }),
    date: Day('发生日期 / date of the change'),
    at: Type.String({ description: '记录时间 / recorded at (ISO 8601)' }),
    actor: Type.String(),
    note: Nullable(Type.String()),
    system: Type.Boolean({ description: '系统自动记录 / recorded by the platform' }),
  },
  { $id: 'OnboardingHistoryItem' },
);

export const EntryDetail = Type.Object({ ...entryViewFields, history: Type.Array(Type.Ref('OnboardingHistoryItem'), { description: '进展记录，按日期先后 / history, oldest first' }) });

export const EntryListQuery = Type.Object({
  districtCode: Param('县市区代码 / district code', 16),
  stage: Param(`阶段，可逗号分隔多个 / stage, comma-separated: ${STAGE_DOC}`, 120),
  overdue: Param('true 仅逾期 | false 仅未逾期 / true: only overdue, false: only not overdue', 8),
  priority: Param(`${PRIORITIES.join(' | ')}：重点区域 | 高频使用`, 32),
  q: Param('名称、地址、运营单位、联系人或停车场编码包含 / contained in name, address, operator, contact or lot code', 100),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: '每页条数，默认 50 / page size, default 50' })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
});

const entryFields = {
  districtCode: Type.String({ maxLength: 64, description: '县市区代码或名称 / district code or name' }),
  name: Type.String({ maxLength: 200 }),
  address: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
  kind: Type.String({ maxLength: 32, description: 'off_street | on_street（或 场库 | 路内）' }),
  category: Type.Optional(Nullable(Type.String({ maxLength: 32, description: LOT_CATEGORIES.join(' | ') }))),
  knownSpaces: Type.Integer({ description: '已知泊位数 0–100000 / known spaces' }),
  operatorName: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  contactName: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  contactPhone: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
  keyArea: Type.Optional(Type.Boolean({ description: '重点区域 / key area' })),
  highFrequency: Type.Optional(Type.Boolean({ description: '高频使用 / high-frequency use' })),
  targetDate: Type.Optional(Nullable(Day('目标日期 / target date'))),
  lotCode: Type.Optional(Nullable(Type.String({ maxLength: 64, description: '平台停车场编码；该停车场上报数据后自动转为已接入 / registry lot; connected automatically once it reports' }))),
  remark: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
};

export const NewEntryBody = Type.Object({
  ...entryFields,
  stage: Type.Optional(Enum(STAGES, `初始阶段，默认 not_started / initial stage: ${STAGE_DOC}`)),
  note: Type.Optional(Type.String({ maxLength: 1000, description: '登记说明 / note for the registration' })),
});

export const EntryPatchBody = Type.Partial(Type.Object(entryFields));

export const StageBody = Type.Object({
  stage: Enum(STAGES, STAGE_DOC),
  note: Type.String({ maxLength: 1000, description: '进展说明（必填） / progress note (required)' }),
  date: Type.Optional(Day('发生日期，默认今天；不得早于上一条记录、不得晚于今天 / date of the change, default today; not before the latest entry nor after today')),
});

export const EntryPage = Type.Object({ items: Type.Array(Type.Ref('OnboardingEntry')), total: Type.Integer() });

const coverageFields = {
  connectedLots: Type.Integer({ description: '已接入停车场数 / connected lots' }),
  connectedSpaces: Type.Integer({ description: '已接入泊位 / connected spaces' }),
  pendingEntries: Type.Integer({ description: '未接入的接入条目数 / entries not yet connected' }),
  pendingSpaces: Type.Integer({ description: '未接入条目的已知泊位 / their known spaces' }),
  knownSpaces: Type.Integer({ description: '已知泊位 = 已接入 + 未接入 / connected + pending spaces' }),
  coveragePercent: Nullable(Type.Number({ description: '已接入 ÷ 已知 × 100，一位小数 / connected ÷ known × 100, one decimal' })),
};
const CoverageSchema = Type.Object(coverageFields);
const DistrictCoverageSchema = Type.Object({ districtCode: Type.String(), districtName: Type.String(), ...coverageFields });

export const CoverageReply = Type.Object({ items: Type.Array(DistrictCoverageSchema), total: CoverageSchema });

export const ReportQuery = Type.Object({
  quarter: Param('上海日历季度，如 2026Q4；默认本季度 / Shanghai calendar quarter, e.g. 2026Q4; default the current one', 16),
  format: Param('json（默认）| xlsx | docx', 8),
});

const ConnectedItemSchema = Type.Object({
  lotCode: Nullable(Type.String()),
  name: Type.String(),
  kind: Type.String(),
  category: Type.String(),
  spaces: Type.Integer(),
  connectedOn: Nullable(Type.String({ description: '首次上报数据的上海日期 / Shanghai day of the first data' })),
  newThisQuarter: Type.Boolean(),
  entryName: Nullable(Type.String()),
});

const InProgressItemSchema = Type.Object({
  entryId: Type.Integer(),
  name: Type.String(),
  address: Nullable(Type.String()),
  kind: Type.String(),
  category: Type.String(),
  knownSpaces: Type.Integer(),
  operatorName: Nullable(Type.String()),
  contactName: Nullable(Type.String()),
  contactPhone: Nullable(Type.String()),
  keyArea: Type.Boolean(),
  highFrequency: Type.Boolean(),
  stage: Type.String(),
  stageDate: Type.String(),
  targetDate: Nullable(Type.String()),
  overdue: Type.Boolean(),
  overdueDays: Type.Integer(),
  lotCode: Nullable(Type.String()),
  notes: Type.Array(Type.Object({ date: Type.String(), stage: Type.String(), note: Type.String() }), { description: '最新进展，新的在前 / latest notes, newest first' }),
});

export const ReportSchema = Type.Object({
  quarter: Type.String(),
  label: Type.String(),
  from: Type.String(),
  to: Type.String(),
  asOf: Type.String(),
  asOfDay: Type.String(),
  generatedAt: Type.String(),
  districts: Type.Array(
    Type.Object({
      districtCode: Type.String(),
      districtName: Type.String(),
      coverage: CoverageSchema,
      connected: Type.Array(ConnectedItemSchema),
      inProgress: Type.Array(InProgressItemSchema),
    }),
  ),
  totals: Type.Object({ ...coverageFields, connectedThisQuarter: Type.Integer(), inProgress: Type.Integer(), overdue: Type.Integer() }),
});

const Issue = Type.Object({ field: Type.String(), code: Type.String(), message: Type.String() });
export const ImportResultSchema = Type.Object(
  {
    dryRun: Type.Boolean(),
    total: Type.Integer(),
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    rejected: Type.Integer(),
    rows: Type.Array(
      Type.Object({
        row: Type.Integer({ description: '表格行号（含表头，首个数据行为 2） / sheet row number, header is 1' }),
        name: Nullable(Type.String()),
        districtCode: Nullable(Type.String()),
        status: Enum(['created', 'updated', 'unchanged', 'rejected'], 'outcome'),
        errors: Type.Array(Issue),
        warnings: Type.Array(Issue),
      }),
    ),
  },
  { $id: 'OnboardingImportResult' },
);
