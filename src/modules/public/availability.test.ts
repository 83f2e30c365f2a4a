import { describe, expect, it } from 'vitest';
import { availabilityOf } from './availability.js';

describe('public: availability of a lot', () => {
  const now = new Date('2026-11-25T02:00:00Z');
  const ago = (m: number) => new Date(now.getTime() - m * 60_000);

  it('is live within the threshold, with the free spaces', () => {
    expect(availabilityOf({ at: ago(10), free: 42, total: 100 }, 100, 120, now)).toEqual({ availability: 'live', freeSpaces: 42, updatedAt: ago(10).toISOString() });
    // Exactly at the threshold is still within it (monitoring's rule: late is *more* than the threshold).
    expect(availabilityOf({ at: ago(120), free: 5, total: 100 }, 100, 120, now).availability).toBe('live');
  });

  it('is stale past the threshold, and then shows no number', () => {
    expect(availabilityOf({ at: ago(121), free: 42, total: 100 }, 100, 120, now)).toEqual({ availability: 'stale', freeSpaces: null, updatedAt: ago(121).toISOString() });
    // The lot's own threshold decides, not the default.
    expect(availabilityOf({ at: ago(30), free: 42, total: 100 }, 100, 10, now).availability).toBe('stale');
  });

  it('is unknown without any report', () => {
    expect(availabilityOf({ at: null, free: null, total: null }, 100, 120, now)).toEqual({ availability: 'unknown', freeSpaces: null, updatedAt: null });
  });

  it('keeps the free count within 0 and the spaces', () => {
    expect(availabilityOf({ at: ago(1), free: -3, total: 100 }, 100, 120, now).freeSpaces).toBe(0);
    expect(availabilityOf({ at: ago(1), free: 130, total: 100 }, 100, 120, now).freeSpaces).toBe(100);
    expect(availabilityOf({ at: ago(1), free: 130, total: 0 }, 120, 120, now).freeSpaces).toBe(120);
  });
});
