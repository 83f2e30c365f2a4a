import { describe, expect, it } from 'vitest';
import { checkLot } from '../registry/index.js';
import { berthCodes, buildLotSet, DISTRICTS } from './lot-set.js';

describe('lot set', () => {
  const set = buildLotSet(2026, 200);

  it('is deterministic from the seed', () => {
    expect(buildLotSet(2026, 200)).toEqual(set);
    expect(buildLotSet(2027, 200).lots.map((l) => l.name)).not.toEqual(set.lots.map((l) => l.name));
  });

  it('is prefix-stable: more lots extend the set without changing the first ones or their sources', () => {
    const small = buildLotSet(2026, 50);
    expect(set.lots.slice(0, 50)).toEqual(small.lots);
    for (const s of small.sources.slice(0, -1)) expect(set.sources.find((x) => x.code === s.code)?.lotCodes).toEqual(s.lotCodes);
  });

  it('makes lots the registry accepts, with unique codes and names', () => {
    const problems = set.lots.flatMap((l) => checkLot({ ...l, coordSystem: 'gcj02' }, 'create', null).issues.map((i) => `${l.code} ${i.field} ${i.code}`));
    expect(problems).toEqual([]);
    expect(new Set(set.lots.map((l) => l.code)).size).toBe(set.lots.length);
    expect(new Set(set.lots.map((l) => l.name)).size).toBe(set.lots.length);
    for (const l of set.lots) expect(l.code).toMatch(/^SIM-(CC|TZ|HM|RD|QD|RG|HA)-(R\d{3}|\d{4})$/);
  });

  it('spreads lots over the seven districts, most in 崇川', () => {
    const by = new Map<string, number>();
    for (const l of set.lots) by.set(l.districtCode, (by.get(l.districtCode) ?? 0) + 1);
    expect([...by.keys()].sort()).toEqual(DISTRICTS.map((d) => d.code).sort());
    const top = [...by.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(top[0]).toBe('320602');
  });

  it('has about a fifth on-street, with berth codes, and coordinates near their district', () => {
    const street = set.lots.filter((l) => l.kind === 'on_street');
    expect(street.length / set.lots.length).toBeGreaterThan(0.1);
    expect(street.length / set.lots.length).toBeLessThan(0.35);
    for (const l of street) {
      expect(berthCodes(l)).toHaveLength(l.totalSpaces);
      expect(l.name).toMatch(/路内泊位段$/);
    }
    for (const l of set.lots) {
      const d = DISTRICTS.find((x) => x.code === l.districtCode)!;
      expect(Math.abs(l.lng - d.center[0])).toBeLessThan(0.3);
      expect(Math.abs(l.lat - d.center[1])).toBeLessThan(0.3);
    }
  });

  it('groups lots into vendor sources of 3–30 lots (the last one may be cut short)', () => {
    expect(set.sources.flatMap((s) => s.lotCodes).sort()).toEqual(set.lots.map((l) => l.code).sort());
    for (const s of set.sources.slice(0, -1)) {
      expect(s.lotCodes.length).toBeGreaterThanOrEqual(3);
      expect(s.lotCodes.length).toBeLessThanOrEqual(30);
    }
    for (const s of set.sources) expect(s.code).toMatch(/^SIM-(JS|KT|LF|AK|ET)-\d{2}$/);
    for (const l of set.lots) expect(set.sources.find((s) => s.code === l.sourceCode)?.lotCodes).toContain(l.code);
    // District systems only carry lots of their district.
    for (const s of set.sources.filter((x) => x.districtCode)) expect(set.lots.filter((l) => l.sourceCode === s.code).every((l) => l.districtCode === s.districtCode)).toBe(true);
  });
});
