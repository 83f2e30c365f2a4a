import { systemActor } from '../../platform/auth/permissions.js';
import { bulkCreateBerths } from './berths.js';
import type { LotInput } from './lot-input.js';
import { createLot } from './lots.js';
import { createOperator, type OperatorInput } from './operators.js';
import { createSource, type NewSource } from './sources.js';
import type { RegistryContext } from './repo.js';

/*
 * Sample registry for trying the console (and tests): plausible Nantong lots in all seven
 * districts (GCJ-02 coordinates near the real places), a few on-street sections with berths.
 * Idempotent: what exists is left alone, so it can run again.
 */

const OPERATORS: (OperatorInput & { name: string })[] = [
  { name: '南通市停车管理有限公司', creditCode: '91320600MA1N2P3Q4R', contactName: '陈建华', contactPhone: '0513-85012345', contactEmail: 'ops@ntpark.example.cn', address: '南通市崇川区工农路 158 号' },
  { name: '南通城投智慧停车有限公司', creditCode: '91320600MA1W8K6L2T', contactName: '王丽', contactPhone: '0513-81098765', contactEmail: 'service@ntctpark.example.cn', address: '南通市崇川区世纪大道 6 号' },
  { name: '如皋市城市停车运营有限公司', creditCode: '91320682MA1R5T7U9W', contactName: '李强', contactPhone: '0513-87512233', address: '如皋市如城街道海阳南路 9 号' },
];

const SOURCES: (Omit<NewSource, 'operatorId'> & { operator: string })[] = [
  { code: 'NT-CITY-PARK', name: '南通市级停车管理平台', operator: '南通市停车管理有限公司', vendor: '南通市停车管理有限公司', districtCode: null },
  { code: 'NT-CT-ETCP', name: '城投智慧停车（ETCP）', operator: '南通城投智慧停车有限公司', vendor: 'ETCP', districtCode: null },
  { code: 'RG-ONSTREET', name: '如皋路内泊位收费系统', operator: '如皋市城市停车运营有限公司', vendor: '捷顺科技', districtCode: '320682' },
];

type SampleLot = LotInput & { code: string; operator: string; berths?: { prefix: string; count: number } };

const LOTS: SampleLot[] = [
  { code: 'NT-CC-0001', name: '南通大学附属医院停车场', districtCode: '320602', kind: 'off_street', category: 'hospital', totalSpaces: 860, lng: 120.8641, lat: 32.0133, address: '崇川区西寺路20号', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司' },
  { code: 'NT-CC-0002', name: '文峰大世界地下停车场', districtCode: '320602', kind: 'off_street', category: 'commercial', totalSpaces: 420, lng: 120.8663, lat: 32.0071, address: '崇川区南大街3-21号', sourceCode: 'NT-CT-ETCP', operator: '南通城投智慧停车有限公司' },
  { code: 'NT-CC-R001', name: '南大街路内泊位段', districtCode: '320602', kind: 'on_street', category: 'commercial', totalSpaces: 36, lng: 120.8657, lat: 32.0089, address: '崇川区南大街（人民路—西大街）', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司', berths: { prefix: 'NDJ-', count: 36 } },
  { code: 'NT-CC-0003', name: '南通万象城停车场', districtCode: '320602', kind: 'off_street', category: 'commercial', totalSpaces: 2100, lng: 120.9016, lat: 31.9862, address: '崇川区工农南路与世纪大道交叉口', sourceCode: 'NT-CT-ETCP', operator: '南通城投智慧停车有限公司' },
  { code: 'NT-CC-0004', name: '南通站P1停车场', districtCode: '320602', kind: 'off_street', category: 'transport', totalSpaces: 1200, lng: 120.8562, lat: 32.0541, address: '崇川区永兴街道南通站北广场', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司' },
  { code: 'NT-TZ-0001', name: '通州区人民医院停车场', districtCode: '320612', kind: 'off_street', category: 'hospital', totalSpaces: 650, lng: 121.0733, lat: 32.0846, address: '通州区金沙街道新金西路', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司' },
  { code: 'NT-TZ-R001', name: '金沙建设路路内泊位段', districtCode: '320612', kind: 'on_street', category: 'commercial', totalSpaces: 24, lng: 121.0751, lat: 32.0876, address: '通州区金沙街道建设路', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司', berths: { prefix: 'JSL-', count: 24 } },
  { code: 'NT-HM-0001', name: '叠石桥国际家纺城停车场', districtCode: '320614', kind: 'off_street', category: 'commercial', totalSpaces: 1500, lng: 121.0584, lat: 31.9773, address: '海门区三星镇叠石桥', sourceCode: 'NT-CT-ETCP', operator: '南通城投智慧停车有限公司' },
  { code: 'NT-HM-0002', name: '海门区人民医院停车场', districtCode: '320614', kind: 'off_street', category: 'hospital', totalSpaces: 540, lng: 121.1694, lat: 31.8872, address: '海门区海门街道北京中路', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司' },
  { code: 'NT-RD-0001', name: '如东县人民医院停车场', districtCode: '320623', kind: 'off_street', category: 'hospital', totalSpaces: 480, lng: 121.1869, lat: 32.3141, address: '如东县掘港街道人民路', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司' },
  { code: 'NT-RD-0002', name: '小洋口旅游度假区停车场', districtCode: '320623', kind: 'off_street', category: 'scenic', totalSpaces: 800, lng: 120.9632, lat: 32.5318, address: '如东县长沙镇小洋口', operator: '南通城投智慧停车有限公司' },
  { code: 'NT-QD-0001', name: '启东市人民医院停车场', districtCode: '320681', kind: 'off_street', category: 'hospital', totalSpaces: 520, lng: 121.6522, lat: 31.8131, address: '启东市汇龙镇和平中路', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司' },
  { code: 'NT-QD-R001', name: '汇龙镇人民路路内泊位段', districtCode: '320681', kind: 'on_street', category: 'commercial', totalSpaces: 30, lng: 121.6581, lat: 31.8086, address: '启东市汇龙镇人民中路', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司', berths: { prefix: 'RML-', count: 30 } },
  { code: 'NT-RG-0001', name: '水绘园景区停车场', districtCode: '320682', kind: 'off_street', category: 'scenic', totalSpaces: 350, lng: 120.5763, lat: 32.3772, address: '如皋市如城街道水绘园路', sourceCode: 'RG-ONSTREET', operator: '如皋市城市停车运营有限公司' },
  { code: 'NT-RG-R001', name: '如皋海阳路路内泊位段', districtCode: '320682', kind: 'on_street', category: 'commercial', totalSpaces: 40, lng: 120.5718, lat: 32.3706, address: '如皋市如城街道海阳中路', sourceCode: 'RG-ONSTREET', operator: '如皋市城市停车运营有限公司', berths: { prefix: 'HY-', count: 40 } },
  { code: 'NT-HA-0001', name: '海安站停车场', districtCode: '320685', kind: 'off_street', category: 'transport', totalSpaces: 900, lng: 120.4526, lat: 32.5466, address: '海安市城东镇海安站站前广场', sourceCode: 'NT-CITY-PARK', operator: '南通市停车管理有限公司' },
  { code: 'NT-HA-0002', name: '海安市政务服务中心停车场', districtCode: '320685', kind: 'off_street', category: 'government', totalSpaces: 260, lng: 120.4671, lat: 32.5335, address: '海安市长江中路', operator: '南通市停车管理有限公司' },
];

export interface SeedSummary {
  operators: number;
  sources: number;
  lots: number;
  berths: number;
}

/** Creates what is missing of the sample registry and says how much it created (never secrets). */
export async function seedSampleRegistry(ctx: RegistryContext): Promise<SeedSummary> {
  const actor = systemActor('seed:sample-registry');
  const made: SeedSummary = { operators: 0, sources: 0, lots: 0, berths: 0 };
  const operatorIds = new Map((await ctx.db.selectFrom('operators').select(['id', 'name']).execute()).map((o) => [o.name, o.id]));
  for (const o of OPERATORS) {
    if (operatorIds.has(o.name)) continue;
    operatorIds.set(o.name, (await createOperator(ctx, actor, o)).id);
    made.operators++;
  }
  const sources = new Set((await ctx.db.selectFrom('data_sources').select('code').execute()).map((s) => s.code));
  for (const { operator, ...s } of SOURCES) {
    if (sources.has(s.code)) continue;
    // The secret is dropped here: the simulator rotates in its own when it needs to sign.
    await createSource(ctx, actor, { ...s, operatorId: operatorIds.get(operator) ?? null });
    made.sources++;
  }
  const lots = new Set((await ctx.db.selectFrom('lots').select('code').execute()).map((l) => l.code));
  for (const { operator, berths, ...lot } of LOTS) {
    if (!lots.has(lot.code)) {
      await createLot(ctx, actor, { ...lot, operatorId: operatorIds.get(operator) ?? null });
      made.lots++;
    }
    if (berths) {
      const r = await bulkCreateBerths(ctx, actor, lot.code, { prefix: berths.prefix, from: 1, to: berths.count, width: 3 });
      made.berths += r.created;
    }
  }
  return made;
}
