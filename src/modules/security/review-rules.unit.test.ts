import { describe, expect, it } from 'vitest';
import { bulkCreated, namePattern, sharedNamePatterns, unusedPermissions, usageWindowStart } from './review-rules.js';

const at = (hhmm: string, day = '2026-10-12') => new Date(`${day}T${hhmm}:00+08:00`);

describe('permission review rules', () => {
  it('finds accounts one creator made in a burst of at least five, not a slow trickle nor another creator\'s', () => {
    const burst = ['t01', 't02', 't03', 't04', 't05'].map((u, i) => ({ username: u, createdAt: at(`09:0${i * 2}`), createdBy: 'admin' }));
    const trickle = ['s1', 's2', 's3', 's4', 's5'].map((u, i) => ({ username: u, createdAt: at(`1${i}:00`), createdBy: 'admin' }));
    // Same minutes as the burst, but by another creator: four of them are not a batch.
    const other = ['o1', 'o2', 'o3', 'o4'].map((u, i) => ({ username: u, createdAt: at(`09:0${i}`), createdBy: 'ops1' }));
    const found = bulkCreated([...burst, ...trickle, ...other]);
    expect([...found.keys()].sort()).toEqual(['t01', 't02', 't03', 't04', 't05']);
    expect(found.get('t03')).toBe('与另外 4 个账号在 8 分钟内由 admin 批量创建（t01 … t05）');
    // A gap of more than ten minutes splits a run: 4 + 4 is no batch.
    const split = [...Array(8).keys()].map((i) => ({ username: `x${i}`, createdAt: at(i < 4 ? `08:0${i}` : `08:3${i}`), createdBy: null }));
    expect(bulkCreated(split).size).toBe(0);
  });

  it('tells a numbered name pattern shared by three or more accounts', () => {
    expect(namePattern('user01')).toBe('user');
    expect(namePattern('ops-3')).toBe('ops');
    expect(namePattern('admin')).toBeNull();
    expect(namePattern('a1')).toBeNull();
    const found = sharedNamePatterns(['user01', 'user02', 'User03', 'ops-1', 'ops-2', 'admin']);
    expect([...found.keys()].sort()).toEqual(['User03', 'user01', 'user02']);
    expect(found.get('user01')).toContain('user+编号');
  });

  it('lists granted permissions the quarter\'s audited actions never used, and only judges accounts old enough and active', () => {
    const opened = new Date('2026-10-01T02:00:00Z');
    const start = usageWindowStart(opened);
    expect(start.toISOString()).toBe('2026-07-03T02:00:00.000Z');
    const old = { createdAt: new Date('2026-01-01T00:00:00Z'), status: 'active' };
    expect(unusedPermissions('bureau', new Set(['session.read_pii', 'lot.update']), old, start)).toEqual(['data:clean', 'sharing:approve']);
    expect(unusedPermissions('bureau', new Set(), old, start)).toEqual(['registry:write', 'pii', 'data:clean', 'sharing:approve']);
    expect(unusedPermissions('viewer', new Set(), old, start)).toEqual([]);
    expect(unusedPermissions('ops', new Set(), { ...old, createdAt: new Date('2026-09-01T00:00:00Z') }, start)).toEqual([]);
    expect(unusedPermissions('ops', new Set(), { ...old, status: 'disabled' }, start)).toEqual([]);
  });
});
