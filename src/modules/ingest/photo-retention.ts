/*
 * Retention of the photo store (docs/decisions/0036-photo-store.md): a stored snapshot is deleted
 * once its last upload is more than `retentionDays` days old, unless a parking record that an open
 * work order (a fee dispute under way) points at still shows it. Pure: the clock is an argument.
 */

export interface StoredPhoto {
  sha256: string;
  storedAt: Date;
}

const DAY_MS = 86_400_000;

/** The instant before which uploads have expired. */
export function photoCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** The photos to delete now: expired, and not kept by an open work order. */
export function expiredPhotos(photos: readonly StoredPhoto[], now: Date, retentionDays: number, kept: ReadonlySet<string>): string[] {
  const cutoff = photoCutoff(now, retentionDays).getTime();
  return photos.filter((p) => p.storedAt.getTime() < cutoff && !kept.has(p.sha256)).map((p) => p.sha256);
}
