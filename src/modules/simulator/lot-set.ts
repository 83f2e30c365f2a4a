import type { LotCategory, LotKind } from '../registry/index.js';
import { rngFor, type Rng } from './random.js';
import type { TimeStyle } from './time.js';

/*
 * A made-up but plausible set of Nantong lots and the vendor systems (data sources) that report
 * them. Deterministic from the seed, and prefix-stable: lot i and its source are the same
 * whatever the lot count, so a run with --lots 80 extends one with --lots 50 instead of
 * contradicting it.
 */

export interface SimLot {
  code: string;
  name: string;
  districtCode: string;
  kind: LotKind;
  category: LotCategory;
  totalSpaces: number;
  /** GCJ-02 */
  lng: number;
  lat: number;
  address: string;
  sourceCode: string;
  /** On-street lots: berth codes are `${berthPrefix}001` … (three digits). */
  berthPrefix?: string;
  /** Demand multiplier: some lots are simply busier than others. */
  popularity: number;
}

export interface SimSource {
  code: string;
  name: string;
  vendor: string;
  districtCode: string | null;
  /** How the system writes occurredAt: ISO with +08:00, or the naive Shanghai form; 'mixed' does both. */
  timeStyle: TimeStyle | 'mixed';
  lotCodes: string[];
}

export interface LotSet {
  seed: number;
  sources: SimSource[];
  lots: SimLot[];
}

interface DistrictInfo {
  code: string;
  name: string;
  abbr: string;
  weight: number;
  center: readonly [number, number];
  /** Degrees of spread around the centre. */
  spread: number;
  roads: readonly string[];
  landmarks: readonly string[];
  hospitals: readonly string[];
  schools: readonly string[];
  scenic: readonly string[];
  transport: readonly string[];
  government: readonly string[];
}

export const DISTRICTS: readonly DistrictInfo[] = [
  {
    code: '320602', name: '崇川区', abbr: 'CC', weight: 40, center: [120.8700, 32.0100], spread: 0.035,
    roads: ['人民中路', '工农路', '青年中路', '南大街', '北大街', '钟秀中路', '跃龙路', '世纪大道', '崇川路', '园林路', '城山路', '虹桥路', '长江中路', '姚港路', '桃坞路', '永兴大道', '唐闸路', '深南路', '通京大道', '濠西路'],
    landmarks: ['文峰', '八佰伴', '圆融', '万达广场', '中南城', '金鹰', '大润发', '和平桥', '新城', '五山', '城中'],
    hospitals: ['南通市第一人民医院', '南通市第三人民医院', '南通市中医院', '南通市妇幼保健院', '南通市肿瘤医院', '南通瑞慈医院'],
    schools: ['南通中学', '南通第一中学', '启秀中学', '南通市实验小学', '通师一附', '南通大学啬园校区'],
    scenic: ['狼山风景区', '濠河风景区', '啬园', '唐闸古镇', '南通博物苑', '五山森林公园'],
    transport: ['南通站', '南通西站', '南通汽车客运站', '南通汽车东站'],
    government: ['南通市政务中心', '崇川区政务服务中心', '南通市行政中心', '崇川区人民法院'],
  },
  {
    code: '320612', name: '通州区', abbr: 'TZ', weight: 12, center: [121.0730, 32.0840], spread: 0.022,
    roads: ['建设路', '新金路', '人民路', '通甲路', '银河路', '碧华路', '金霞路', '金乐路', '金川路'],
    landmarks: ['金沙', '通州万达', '通州吾悦', '金沙大润发'],
    hospitals: ['通州区人民医院', '通州区中医院', '通州区第二人民医院'],
    schools: ['通州高级中学', '金沙中学', '通州实验小学'],
    scenic: ['南山湖', '石港古镇'],
    transport: ['南通兴东国际机场', '通州汽车客运站'],
    government: ['通州区政务服务中心', '通州区行政中心'],
  },
  {
    code: '320614', name: '海门区', abbr: 'HM', weight: 10, center: [121.1760, 31.8860], spread: 0.02,
    roads: ['北京中路', '长江路', '解放中路', '人民路', '南海路', '上海路', '秀山路', '浦江路'],
    landmarks: ['叠石桥', '海门文峰', '海门中南城', '海门万达'],
    hospitals: ['海门区人民医院', '海门区中医院'],
    schools: ['海门中学', '东洲中学', '海门实验学校'],
    scenic: ['蛎岈山', '张謇纪念馆', '东布洲长滩'],
    transport: ['海门站', '海门汽车客运站'],
    government: ['海门区政务服务中心'],
  },
  {
    code: '320623', name: '如东县', abbr: 'RD', weight: 8, center: [121.1860, 32.3160], spread: 0.018,
    roads: ['人民路', '青园路', '友谊路', '江海路', '泰山路', '长江路', '珠江路', '掘港大道'],
    landmarks: ['掘港', '如东文峰', '如东吾悦'],
    hospitals: ['如东县人民医院', '如东县中医院'],
    schools: ['如东高级中学', '掘港高级中学', '如东县实验小学'],
    scenic: ['小洋口旅游度假区', '洋口港', '栟茶古镇'],
    transport: ['如东汽车客运站', '如东站'],
    government: ['如东县政务服务中心'],
  },
  {
    code: '320681', name: '启东市', abbr: 'QD', weight: 9, center: [121.6570, 31.8100], spread: 0.02,
    roads: ['人民中路', '和平中路', '江海中路', '公园中路', '紫薇中路', '民乐路', '灯塔路', '长江路'],
    landmarks: ['汇龙', '启东文峰', '启东吾悦', '启东万达'],
    hospitals: ['启东市人民医院', '启东市中医院'],
    schools: ['启东中学', '汇龙中学', '启东市实验小学'],
    scenic: ['圆陀角旅游度假区', '黄金海滩', '吕四港渔港'],
    transport: ['启东站', '启东汽车客运站'],
    government: ['启东市政务服务中心'],
  },
  {
    code: '320682', name: '如皋市', abbr: 'RG', weight: 11, center: [120.5730, 32.3710], spread: 0.02,
    roads: ['海阳中路', '福寿路', '宁海路', '中山路', '益寿路', '惠政路', '仙鹤路', '大司马路'],
    landmarks: ['如城', '如皋文峰', '如皋吾悦', '如皋万达'],
    hospitals: ['如皋市人民医院', '如皋市中医院', '如皋博爱医院'],
    schools: ['如皋中学', '如皋市第一中学', '安定小学'],
    scenic: ['水绘园', '龙游湖', '定慧寺'],
    transport: ['如皋站', '如皋南站', '如皋汽车客运站'],
    government: ['如皋市政务服务中心'],
  },
  {
    code: '320685', name: '海安市', abbr: 'HA', weight: 10, center: [120.4670, 32.5330], spread: 0.02,
    roads: ['长江中路', '宁海南路', '中坝路', '黄海大道', '人民路', '江淮路', '开发大道', '城东大道'],
    landmarks: ['海安文峰', '海安吾悦', '海安万达'],
    hospitals: ['海安市人民医院', '海安市中医院'],
    schools: ['海安高级中学', '海安市实验中学', '紫石中学'],
    scenic: ['七星湖生态园', '青墩遗址公园'],
    transport: ['海安站', '海安汽车客运站'],
    government: ['海安市政务服务中心'],
  },
];

const districtByCode = new Map(DISTRICTS.map((d) => [d.code, d]));

const VENDORS: readonly (readonly [{ code: string; name: string }, number])[] = [
  [{ code: 'JS', name: '捷顺科技' }, 30],
  [{ code: 'KT', name: '科拓股份' }, 25],
  [{ code: 'LF', name: '立方控股' }, 20],
  [{ code: 'AK', name: '艾科智泊' }, 15],
  [{ code: 'ET', name: 'ETCP' }, 10],
];

const OFF_STREET_CATEGORIES: readonly (readonly [LotCategory, number])[] = [
  ['commercial', 26], ['residential', 22], ['office', 12], ['hospital', 10], ['school', 8], ['government', 7], ['scenic', 6], ['transport', 5],
];
const ON_STREET_CATEGORIES: readonly (readonly [LotCategory, number])[] = [
  ['commercial', 60], ['hospital', 10], ['school', 10], ['residential', 10], ['office', 10],
];

const CAPACITY: Record<LotCategory, readonly [number, number]> = {
  commercial: [200, 1800], hospital: [300, 1200], school: [40, 200], residential: [150, 1200], office: [100, 700],
  scenic: [150, 900], transport: [300, 1500], government: [60, 400], other: [50, 500],
};

/** Share of sources that are a district's on-street charging system (all their lots on-street). */
const ON_STREET_SOURCE_SHARE = 0.1;
/** Share of on-street lots in the other sources. */
const ON_STREET_IN_MIXED = 0.14;

interface SourcePlan {
  source: SimSource;
  size: number;
  onStreetOnly: boolean;
}

function planSource(seed: number, k: number, vendorCounts: Map<string, number>): SourcePlan {
  const rng = rngFor(seed, 'source', k);
  const vendor = rng.weighted(VENDORS);
  const n = (vendorCounts.get(vendor.code) ?? 0) + 1;
  vendorCounts.set(vendor.code, n);
  const onStreetOnly = rng.chance(ON_STREET_SOURCE_SHARE);
  const cityWide = !onStreetOnly && rng.chance(0.35);
  const district = cityWide ? null : rng.weighted(DISTRICTS.map((d) => [d, d.weight] as const));
  // Mostly small systems (a hospital group, a mall operator), a few big platforms; a district's
  // on-street charging system covers a handful of street sections.
  const sizes = [rng.int(3, 8), rng.int(9, 16), rng.int(17, 30)] as const;
  const size = onStreetOnly ? rng.int(3, 10) : rng.weighted([[sizes[0], 55], [sizes[1], 30], [sizes[2], 15]] as const);
  const where = district ? district.name : '南通';
  const name = onStreetOnly ? `${vendor.name}${where}路内停车收费系统` : `${vendor.name}${where}停车管理平台${cityWide ? '' : `（${n}）`}`;
  const timeStyle = rng.weighted([['iso', 60], ['naive', 30], ['mixed', 10]] as const);
  return {
    source: { code: `SIM-${vendor.code}-${String(n).padStart(2, '0')}`, name, vendor: vendor.name, districtCode: district?.code ?? null, timeStyle, lotCodes: [] },
    size,
    onStreetOnly,
  };
}

const ALT_SUFFIXES = ['（东区）', '（西区）', '（南区）', '（北区）', '二期', '三期'];

function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 0; used.has(name); i++) {
    name = i < ALT_SUFFIXES.length ? base.replace(/(停车场|地下停车库|路内泊位段)$/, `${ALT_SUFFIXES[i]}$1`) : `${base}${i - ALT_SUFFIXES.length + 2}`;
  }
  used.add(name);
  return name;
}

function lotName(rng: Rng, d: DistrictInfo, category: LotCategory, kind: LotKind): { name: string; road: string } {
  const road = rng.pick(d.roads);
  if (kind === 'on_street') {
    const others = d.roads.filter((r) => r !== road);
    const a = rng.pick(others);
    const b = rng.pick(others.filter((r) => r !== a));
    return { name: `${road}（${a}—${b}）路内泊位段`, road };
  }
  const garage = () => rng.pick(['停车场', '停车场', '地下停车库']);
  switch (category) {
    case 'commercial':
      return { name: `${rng.chance(0.5) ? rng.pick(d.landmarks) : road}${rng.pick(['商业广场', '购物中心', '商厦', '步行街', '生活广场', '商业街'])}${garage()}`, road };
    case 'hospital':
      return { name: `${rng.pick(d.hospitals)}${garage()}`, road };
    case 'school':
      return { name: `${rng.pick(d.schools)}停车场`, road };
    case 'residential':
      return { name: `${road.replace(/[中东西南北]?路$|大道$|大街$/, '')}${rng.pick(['花苑', '新村', '家园', '名都', '华庭', '雅苑', '府', '公馆'])}地下停车库`, road };
    case 'office':
      return { name: `${road}${rng.pick(['国际大厦', '金融中心', '科技园', '商务中心', '创业园', '总部大楼'])}${garage()}`, road };
    case 'scenic':
      return { name: `${rng.pick(d.scenic)}${rng.pick(['停车场', '游客停车场', '生态停车场'])}`, road };
    case 'transport':
      return { name: `${rng.pick(d.transport)}${rng.pick(['P1', 'P2', '社会', '东广场', '北广场'])}停车场`, road };
    case 'government':
      return { name: `${rng.pick(d.government)}停车场`, road };
    default:
      return { name: `${road}公共停车场`, road };
  }
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** Builds `count` lots and the sources reporting them. */
export function buildLotSet(seed: number, count: number): LotSet {
  const lots: SimLot[] = [];
  const sources: SimSource[] = [];
  const counters = new Map<string, number>();
  const vendorCounts = new Map<string, number>();
  const names = new Set<string>();
  let plan: SourcePlan | null = null;
  for (let i = 0; i < count; i++) {
    if (!plan || plan.source.lotCodes.length >= plan.size) {
      plan = planSource(seed, sources.length, vendorCounts);
      sources.push(plan.source);
    }
    const rng = rngFor(seed, 'lot', i);
    const src = plan.source;
    const district = (src.districtCode && districtByCode.get(src.districtCode)) || rng.weighted(DISTRICTS.map((d) => [d, d.weight] as const));
    const kind: LotKind = plan.onStreetOnly || rng.chance(ON_STREET_IN_MIXED) ? 'on_street' : 'off_street';
    const category = rng.weighted(kind === 'on_street' ? ON_STREET_CATEGORIES : OFF_STREET_CATEGORIES);
    const key = `${district.abbr}${kind === 'on_street' ? 'R' : ''}`;
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    const code = kind === 'on_street' ? `SIM-${district.abbr}-R${String(n).padStart(3, '0')}` : `SIM-${district.abbr}-${String(n).padStart(4, '0')}`;
    const { name, road } = lotName(rng, district, category, kind);
    const county = district.code !== '320602';
    let totalSpaces: number;
    if (kind === 'on_street') totalSpaces = rng.int(12, 60);
    else {
      const [lo, hi] = CAPACITY[category];
      totalSpaces = Math.round((rng.uniform(lo, hi) * (county ? 0.7 : 1)) / 10) * 10;
    }
    const far = category === 'scenic' || category === 'transport' ? 2.5 : 1;
    const lot: SimLot = {
      code,
      name: uniqueName(name, names),
      districtCode: district.code,
      kind,
      category,
      totalSpaces,
      lng: round6(district.center[0] + rng.normal(0, district.spread * far)),
      lat: round6(district.center[1] + rng.normal(0, district.spread * far * 0.85)),
      address: kind === 'on_street' ? `${district.name}${road}` : `${district.name}${road}${rng.int(1, 399)}号`,
      sourceCode: src.code,
      popularity: Math.min(1.4, Math.max(0.6, rng.logNormal(1, 0.2))),
    };
    if (kind === 'on_street') lot.berthPrefix = `${district.abbr}R${String(n).padStart(3, '0')}-`;
    lots.push(lot);
    src.lotCodes.push(code);
  }
  return { seed, sources, lots };
}

/** Berth codes of an on-street lot, as created through the registry's bulk endpoint (width 3). */
export function berthCodes(lot: SimLot): string[] {
  if (lot.kind !== 'on_street' || !lot.berthPrefix) return [];
  return Array.from({ length: lot.totalSpaces }, (_, i) => `${lot.berthPrefix}${String(i + 1).padStart(3, '0')}`);
}

/**
 * The same city with every lot's capacity multiplied by `factor` (at least 4 spaces): demand is
 * per space (demand.ts), so occupancy keeps its shape while the traffic scales with it. The demo
 * runs a scaled city so that a month of history is written in seconds (docs/performance.md).
 */
export function scaleLotSet(set: LotSet, factor: number): LotSet {
  if (!(factor > 0) || factor === 1) return set;
  return { ...set, lots: set.lots.map((l) => ({ ...l, totalSpaces: Math.max(4, Math.round(l.totalSpaces * factor)) })) };
}

/** The company that runs a source's lots (运营单位), with the contacts monitoring's follow-ups call. */
export interface SimOperator {
  name: string;
  contactName: string;
  contactPhone: string;
  contactEmail: string;
  address: string;
}

const CONTACT_NAMES = ['陈建华', '王丽', '李强', '张敏', '刘洋', '周婷', '吴俊', '徐静'];

/**
 * One operating company per district (a district's sources) and one for city-wide sources:
 * made up, with contacts, so that an outage's follow-up task says whom to call.
 */
export function operatorFor(districtCode: string | null): SimOperator {
  const i = districtCode ? DISTRICTS.findIndex((d) => d.code === districtCode) : -1;
  const d = i >= 0 ? DISTRICTS[i]! : null;
  const k = i + 1;
  return {
    name: d ? `${d.name}静态交通运营有限公司` : '南通市城市停车运营有限公司',
    contactName: CONTACT_NAMES[k % CONTACT_NAMES.length]!,
    contactPhone: `0513-8${String(5010000 + k * 1111).slice(-7)}`,
    contactEmail: `ops-${d ? d.abbr.toLowerCase() : 'nt'}@parking.example.cn`,
    address: d ? `${d.name}${d.roads[0]}1号` : '南通市崇川区世纪大道6号',
  };
}
