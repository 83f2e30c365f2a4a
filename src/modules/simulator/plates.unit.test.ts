import { describe, expect, it } from 'vitest';
import { isValidPlate, noPlateKey, normalizePlate, PLATE_COLORS } from '../../platform/plates.js';
import { generatePlate, INVALID_PLATES, noPlateCar, rawForm, ticketIdOf, ticketOfPlate } from './plates.js';
import { Rng } from './random.js';

describe('simulator plates', () => {
  const rng = new Rng(42);
  const draws = Array.from({ length: 10_000 }, () => generatePlate(rng));

  it('every plate is valid after normalisation, and its raw form normalises to it', () => {
    // Collect, then one expect: expect() in a 10,000-step loop is slow.
    const bad = draws.filter((p) => !isValidPlate(normalizePlate(p.raw)) || normalizePlate(p.raw) !== p.plate || /[IO]/.test(p.plate) || !PLATE_COLORS.includes(p.color));
    expect(bad).toEqual([]);
  });

  it('is mostly 苏F, then the rest of Jiangsu, then other provinces', () => {
    const share = (f: (p: (typeof draws)[number]) => boolean) => draws.filter(f).length / draws.length;
    expect(share((p) => p.plate.startsWith('苏F'))).toBeCloseTo(0.72, 1);
    expect(Math.abs(share((p) => p.plate.startsWith('苏F')) - 0.72)).toBeLessThan(0.02);
    expect(Math.abs(share((p) => p.plate.startsWith('苏') && !p.plate.startsWith('苏F')) - 0.14)).toBeLessThan(0.02);
    expect(share((p) => p.plate.startsWith('沪'))).toBeGreaterThan(0.02);
  });

  it('has about 25 % new-energy plates: 8 characters, green (yellow-green for large vehicles)', () => {
    const ne = draws.filter((p) => p.newEnergy);
    expect(Math.abs(ne.length / draws.length - 0.25)).toBeLessThan(0.02);
    expect(ne.filter((p) => [...p.plate].length !== 8 || !['green', 'yellow_green'].includes(p.color))).toEqual([]);
    expect(draws.filter((p) => !p.newEnergy && ([...p.plate].length !== 7 || !['blue', 'yellow'].includes(p.color)))).toEqual([]);
    expect(draws.some((p) => p.color === 'yellow')).toBe(true);
  });

  it('sometimes sends vendor raw forms (separator dot, lower case, full-width)', () => {
    const raw = draws.filter((p) => p.raw !== p.plate);
    expect(raw.length / draws.length).toBeGreaterThan(0.03);
    expect(raw.length / draws.length).toBeLessThan(0.1);
    const forms = new Set(Array.from({ length: 50 }, () => rawForm(rng, '苏F12345')));
    expect(forms).toContain('苏F·12345');
    expect(forms).toContain('苏Ｆ１２３４５'.replace('Ｆ', 'F'));
    for (const f of forms) expect(normalizePlate(f)).toBe('苏F12345');
  });

  it('is reproducible with the same seed', () => {
    const a = Array.from({ length: 100 }, ((r) => () => generatePlate(r).raw)(new Rng(7)));
    const b = Array.from({ length: 100 }, ((r) => () => generatePlate(r).raw)(new Rng(7)));
    expect(a).toEqual(b);
  });

  it('keys a car without a plate by its ticket, as ingestion stores it', () => {
    const car = noPlateCar(ticketIdOf(0.5), 0.7);
    expect(car.raw).toBe('临时车');
    expect(car.plate).toBe(noPlateKey(car.ticketId!));
    expect(ticketOfPlate(car.plate)).toBe(car.ticketId);
    expect(ticketOfPlate('苏F12345')).toBeUndefined();
    expect(noPlateCar('T1', 0.2).raw).toBe('无牌车');
    for (const u of [0, 0.123456789, 0.999999999]) expect(ticketIdOf(u)).toMatch(/^T[0-9A-Z]{10}$/);
  });

  it('keeps a list of non-plates for the quarantine', () => {
    for (const p of INVALID_PLATES) expect(isValidPlate(normalizePlate(p))).toBe(false);
  });
});
