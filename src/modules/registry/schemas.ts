import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';
import { fileUploadBody } from '../../platform/uploads.js';
import { MAX_BULK } from './berths.js';
import { COORD_SYSTEMS, DISTRICT_KINDS, LOT_CATEGORIES, LOT_KINDS, LOT_STATUSES } from './vocab.js';

/*
 * Wire shapes of the registry API (JSON, camelCase). Routes that name specific error codes
 * (INVALID_KIND …) validate again in the service; these schemas document and pre-check.
 */

const Enum = (values: readonly string[], description: string) => Type.Union(values.map((v) => Type.Literal(v)), { description });
const Text = (max: number, description?: string) => Type.String({ maxLength: max, ...(description ? { description } : {}) });
const LATE_THRESHOLD_NOTE = '数据延迟阈值（分钟，5–10080）；停车场 ?? 数据源 ?? 平台默认，null 为继承 / late threshold in minutes: lot ?? source ?? platform default; null inherits';

export const CodeParams = Type.Object({ code: Type.String({ maxLength: 64, description: '编码 / code' }) });
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const BerthParams = Type.Object({ code: Type.String({ maxLength: 64 }), berthCode: Type.String({ maxLength: 64 }) });

export const DistrictSchema = Type.Object(
  {
    code: Type.String({ description: '6 位行政区划代码 / 6-digit division code' }),
    name: Type.String(),
    nameEn: Nullable(Type.String()),
    kind: Enum(DISTRICT_KINDS, '区 / 县 / 县级市 / 功能区'),
    sortOrder: Type.Integer(),
    lotCount: Type.Integer({ description: '可见停车场数 / lots visible to the caller' }),
  },
  { $id: 'District' },
);
export const NewDistrictBody = Type.Object({
  code: Type.String({ pattern: '^[0-9]{6}$', description: '6 位行政区划代码 / 6-digit division code' }),
  name: Text(50),
  nameEn: Type.Optional(Nullable(Text(100))),
  kind: Type.Optional(Enum(DISTRICT_KINDS, 'default district')),
  sortOrder: Type.Optional(Type.Integer()),
});

export const OperatorSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    creditCode: Nullable(Type.String({ description: '统一社会信用代码' })),
    contactName: Nullable(Type.String()),
    contactPhone: Nullable(Type.String()),
    contactEmail: Nullable(Type.String()),
    address: Nullable(Type.String()),
    remark: Nullable(Type.String()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Operator' },
);
const operatorFields = {
  creditCode: Type.Optional(Nullable(Text(18, '统一社会信用代码 / unified social credit code'))),
  contactName: Type.Optional(Nullable(Text(500))),
  contactPhone: Type.Optional(Nullable(Text(20))),
  contactEmail: Type.Optional(Nullable(Text(200))),
  address: Type.Optional(Nullable(Text(500))),
  remark: Type.Optional(Nullable(Text(500))),
};
export const NewOperatorBody = Type.Object({ name: Text(200), ...operatorFields });
export const OperatorPatchBody = Type.Object({ name: Type.Optional(Text(200)), ...operatorFields });

const sourceFields = {
  code: Type.String(),
  name: Type.String(),
  operatorId: Nullable(Type.Integer()),
  operatorName: Nullable(Type.String()),
  vendor: Nullable(Type.String({ description: '厂商 / vendor' })),
  districtCode: Nullable(Type.String({ description: '空为市级 / null: city-wide' })),
  status: Enum(['active', 'disabled'], '状态 / status'),
  lotCount: Type.Integer(),
  lateThresholdMinutes: Nullable(Type.Integer({ description: LATE_THRESHOLD_NOTE })),
  secretRotatedAt: Type.String(),
  remark: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
};
export const SourceSchema = Type.Object(sourceFields, { $id: 'DataSource' });
export const SourceWithSecret = Type.Object(
  { ...sourceFields, secret: Type.String({ description: '签名密钥，仅此一次显示 / signing secret, shown only now' }) },
  { $id: 'DataSourceWithSecret' },
);
export const NewSourceBody = Type.Object({
  code: Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' }),
  name: Text(200),
  operatorId: Type.Optional(Nullable(Type.Integer())),
  vendor: Type.Optional(Nullable(Text(200))),
  districtCode: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{6}$' }))),
  remark: Type.Optional(Nullable(Text(500))),
  lateThresholdMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 5, maximum: 10080, description: LATE_THRESHOLD_NOTE }))),
});
export const SourcePatchBody = Type.Object({
  name: Type.Optional(Text(200)),
  operatorId: Type.Optional(Nullable(Type.Integer())),
  vendor: Type.Optional(Nullable(Text(200))),
  districtCode: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{6}$' }))),
  status: Type.Optional(Enum(['active', 'disabled'], '停用后其签名不再被接受 / a disabled source cannot sign')),
  remark: Type.Optional(Nullable(Text(500))),
  lateThresholdMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 5, maximum: 10080, description: LATE_THRESHOLD_NOTE }))),
});
export const RotatedSecret = Type.Object({ code: Type.String(), secret: Type.String(), secretRotatedAt: Type.String() });

export const LotSchema = Type.Object(
  {
    id: Type.Integer(),
    code: Type.String(),
    name: Type.String(),
    districtCode: Type.String(),
    districtName: Type.String(),
    kind: Enum(LOT_KINDS, '场库 off_street / 路内 on_street'),
    category: Enum(LOT_CATEGORIES, '类别 / category'),
    totalSpaces: Type.Integer(),
    address: Nullable(Type.String()),
    lng: Nullable(Type.Number({ description: 'GCJ-02' })),
    lat: Nullable(Type.Number({ description: 'GCJ-02' })),
    inputCoordSystem: Enum(COORD_SYSTEMS, '录入时的坐标系 / coordinate system the lot was given in'),
    sourceCode: Nullable(Type.String()),
    operatorId: Nullable(Type.Integer()),
    operatorName: Nullable(Type.String()),
    status: Enum(LOT_STATUSES, '状态 / status'),
    remark: Nullable(Type.String()),
    lateThresholdMinutes: Nullable(Type.Integer({ description: LATE_THRESHOLD_NOTE })),
    berthCount: Type.Integer(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Lot' },
);

const lotFields = {
  name: Text(200),
  districtCode: Type.String({ description: '县市区代码 / district code, e.g. 320602' }),
  kind: Enum(LOT_KINDS, '场库 off_street / 路内 on_street'),
  totalSpaces: Type.Integer({ minimum: 0 }),
  lng: Type.Number({ minimum: -180, maximum: 180 }),
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  coordSystem: Type.Optional(Enum(COORD_SYSTEMS, '默认 gcj02；wgs84、bd09 会转换为 GCJ-02 存储 / default gcj02; others are converted')),
  sourceCode: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  category: Type.Optional(Enum(LOT_CATEGORIES, '默认 other')),
  address: Type.Optional(Nullable(Text(500))),
  operatorId: Type.Optional(Nullable(Type.Integer())),
  status: Type.Optional(Enum(LOT_STATUSES, '默认 active')),
  remark: Type.Optional(Nullable(Text(500))),
  lateThresholdMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 5, maximum: 10080, description: LATE_THRESHOLD_NOTE }))),
};
export const NewLotBody = Type.Object({ code: Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' }), ...lotFields });
export const LotPatchBody = Type.Partial(Type.Object(lotFields));

export const LotFilterQuery = {
  districtCode: Type.Optional(Type.String({ maxLength: 6 })),
  kind: Type.Optional(Enum(LOT_KINDS, 'kind')),
  category: Type.Optional(Enum(LOT_CATEGORIES, 'category')),
  status: Type.Optional(Enum(LOT_STATUSES, 'status')),
  sourceCode: Type.Optional(Type.String({ maxLength: 64 })),
  q: Type.Optional(Type.String({ maxLength: 100, description: '编码、名称或地址包含 / code, name or address contains' })),
};
export const LotListQuery = Type.Object({
  ...LotFilterQuery,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 50' })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const LotExportQuery = Type.Object(LotFilterQuery);

export const BerthSchema = Type.Object(
  { code: Type.String(), status: Enum(['active', 'disabled'], 'status'), lng: Nullable(Type.Number()), lat: Nullable(Type.Number()) },
  { $id: 'Berth' },
);
export const NewBerthBody = Type.Object({
  code: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  lng: Type.Optional(Nullable(Type.Number())),
  lat: Type.Optional(Nullable(Type.Number())),
  coordSystem: Type.Optional(Enum(COORD_SYSTEMS, 'default gcj02')),
});
export const BerthPatchBody = Type.Object({
  status: Type.Optional(Enum(['active', 'disabled'], 'status')),
  lng: Type.Optional(Nullable(Type.Number())),
  lat: Type.Optional(Nullable(Type.Number())),
  coordSystem: Type.Optional(Enum(COORD_SYSTEMS, 'default gcj02')),
});
export const BulkBerthBody = Type.Union([
  Type.Object({ codes: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_BULK }) }),
  Type.Object({
    prefix: Type.Optional(Type.String({ maxLength: 32 })),
    from: Type.Integer({ minimum: 0 }),
    to: Type.Integer({ minimum: 0 }),
    width: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: '补零位数，默认 to 的位数 / zero-padding, default digits of to' })),
  }),
]);
export const BulkBerthReply = Type.Object({
  created: Type.Integer(),
  skipped: Type.Array(Type.String(), { description: '已存在而跳过 / already existed' }),
  items: Type.Array(Type.Ref('Berth')),
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
        code: Nullable(Type.String()),
        status: Enum(['created', 'updated', 'unchanged', 'rejected'], 'outcome'),
        errors: Type.Array(Issue),
        warnings: Type.Array(Issue),
      }),
    ),
  },
  { $id: 'LotImportResult' },
);
export const ImportQuery = Type.Object({ dryRun: Type.Optional(Type.Boolean({ description: '仅校验不写入 / validate only, write nothing' })) });

/** The upload of a lot or candidate sheet (routes read it with req.file()). */
export const ImportUploadBody = fileUploadBody('.xlsx 或 .csv 文件 / .xlsx or .csv file');
