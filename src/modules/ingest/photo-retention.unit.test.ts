import { describe, expect, it } from 'vitest';
import { expiredPhotos, photoCutoff } from './photo-retention.js';

describe('photo retention rule', () => {
  const now = new Date('2026-12-08T02:00:00Z');
  const daysAgo = (d: number, extraMs = 0) => new Date(now.getTime() - d * 86_400_000 - extraMs);

  it('counts the retention from the last upload, in whole milliseconds', () => {
    expect(photoCutoff(now, 180).toISOString()).toBe('2026-06-11T02:00:00.000Z');
    const photos = [
      { sha256: 'exactly', storedAt: daysAgo(180) },
      { sha256: 'just-past', storedAt: daysAgo(180, 1) },
      { sha256: 'young', storedAt: daysAgo(3) },
    ];
    expect(expiredPhotos(photos, now, 180, new Set())).toEqual(['just-past']);
  });

  it('keeps what an open work order still shows, however old', () => {
    const photos = [{ sha256: 'disputed', storedAt: daysAgo(400) }, { sha256: 'old', storedAt: daysAgo(400) }];
    expect(expiredPhotos(photos, now, 180, new Set(['disputed']))).toEqual(['old']);
  });

  it('follows the configured retention', () => {
    const photos = [{ sha256: 'a', storedAt: daysAgo(31) }];
    expect(expiredPhotos(photos, now, 30, new Set())).toEqual(['a']);
    expect(expiredPhotos(photos, now, 60, new Set())).toEqual([]);
  });
});
