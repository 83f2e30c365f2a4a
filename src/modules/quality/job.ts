import { systemActor } from '../../platform/auth/permissions.js';
import { scanQuality } from './scan.js';
import type { QualityContext } from './repo.js';

export const QUALITY_SCAN_JOB = 'quality.scan';
const DAY = 86_400_000;

/** The hourly scan (job quality.scan): every lot, the last 2 days up to now. */
export async function runQualityScanJob(ctx: QualityContext): Promise<void> {
  const now = ctx.clock.now();
  const r = await scanQuality(ctx, systemActor(QUALITY_SCAN_JOB), { from: new Date(now.getTime() - 2 * DAY), to: now });
  if (r.created || r.autoFixed || r.dropped) ctx.log.info({ job: QUALITY_SCAN_JOB, ...r }, 'data-quality scan');
}
