import { describe, expect, it } from 'vitest';
import { checkLot, type LotLookups } from './lot-input.js';
import { parseCategory, parseCoordSystem, parseKind, parseLotStatus } from './vocab.js';

const lookups = (scope: string | null = null): LotLookups => ({
  scope,
  district: (v) => ({ '320602': '320602', 崇川区: '320602', 崇川: '320602', '320612': '320612', 通州区: '320612' })[v.trim()] ?? null,
  hasSource: (c) => c === 'SRC-1',
  operator: (v) => (String(v) === '1' || v === '南通市停车管理有限公司' ? 1 : null),
});

const good = { code: 'L-1', name: '停车场', districtCode: '崇川区', kind: '场库', totalSpaces: '12', lng: '120.86', lat: '32.01' };
const codes = (r: ReturnType<typeof checkLot>) => r.issues.map((i) => i.code);

describe('checkLot', () => {
  it('accepts Chinese labels and text numbers, filling defaults', () => {
    const r = checkLot(good, 'create', lookups());
    expect(r.issues).toEqual([]);
    expect(r.values).toMatchObject({ code: 'L-1', districtCode: '320602', kind: 'off_street', totalSpaces: 12, category: 'other', status: 'active', inputCoordSystem: 'gcj02', sourceCode: null, operatorId: null, address: null });
  });

  it('collects every problem of a row', () => {
    const r = checkLot({ code: '中文编码', name: '', districtCode: '浦东新区', kind: '公园', totalSpaces: -1, lng: 200, lat: 95, coordSystem: 'utm', sourceCode: 'NOPE', category: '公园', status: '拆除', operatorId: 99 }, 'create', lookups());
    expect(codes(r).sort()).toEqual(
      ['INVALID_CATEGORY', 'INVALID_CODE', 'INVALID_COORDINATES', 'INVALID_COORD_SYSTEM', 'INVALID_KIND', 'INVALID_NAME', 'INVALID_STATUS', 'INVALID_TOTAL_SPACES', 'UNKNOWN_DISTRICT', 'UNKNOWN_OPERATOR', 'UNKNOWN_SOURCE'].sort(),
    );
  });

  it('requires the required fields on create only', () => {
    expect(codes(checkLot({}, 'create', lookups()))).toEqual(expect.arrayContaining(['REQUIRED', 'INVALID_COORDINATES']));
    expect(checkLot({ totalSpaces: 3 }, 'patch', lookups())).toMatchObject({ issues: [], values: { totalSpaces: 3 } });
    expect(codes(checkLot({ lng: 120.9 }, 'patch', lookups()))).toEqual(['INVALID_COORDINATES']);
    expect(codes(checkLot({ name: null }, 'patch', lookups()))).toEqual(['REQUIRED']);
  });

  it('refuses a district outside the actor scope', () => {
    expect(codes(checkLot({ ...good, districtCode: '通州区' }, 'create', lookups('320602')))).toEqual(['DISTRICT_FORBIDDEN']);
    expect(codes(checkLot(good, 'create', lookups('320602')))).toEqual([]);
  });

  it('rejects fractional spaces and warns about far-away lots', () => {
    expect(codes(checkLot({ ...good, totalSpaces: 1.5 }, 'create', lookups()))).toEqual(['INVALID_TOTAL_SPACES']);
    const far = checkLot({ ...good, lng: 116.397, lat: 39.909 }, 'create', lookups());
    expect(far.issues).toEqual([]);
    expect(far.warnings.map((w) => w.code)).toEqual(['FAR_FROM_NANTONG']);
  });

  it('resolves operators by id or name and clears nullable fields with null or blank', () => {
    expect(checkLot({ operatorId: '南通市停车管理有限公司', sourceCode: '', address: null }, 'patch', lookups()).values).toEqual({ operatorId: 1, sourceCode: null, address: null });
  });
});

describe('vocabularies', () => {
  it('parses codes, labels and aliases', () => {
    expect([parseKind('路内'), parseKind('OFF_STREET'), parseKind('x')]).toEqual(['on_street', 'off_street', null]);
    expect([parseCategory('交通枢纽'), parseCategory('小区'), parseCategory('hospital')]).toEqual(['transport', 'residential', 'hospital']);
    expect([parseCoordSystem('WGS-84'), parseCoordSystem('BD09'), parseCoordSystem('gcj02'), parseCoordSystem('utm')]).toEqual(['wgs84', 'bd09', 'gcj02', null]);
    expect([parseLotStatus('暂停'), parseLotStatus('active')]).toEqual(['suspended', 'active']);
  });
});
