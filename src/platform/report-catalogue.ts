import { shanghaiDay } from './time.js';

/*
 * One document the platform produces, as the report centre (报告中心, docs/巡检与报告.md §5)
 * lists it. Each module describes its own documents through a `reportCatalogue` function on its
 * index.ts (docs/architecture.md, "Modules"); the health module only gathers them. A document
 * generated on demand for a period (the sync monthly report, the incident ledger of a month) has
 * no `generatedAt`: the link renders it when followed. Archived ones (inspections, work reports,
 * confirmed statements, reconciliations) say who generated and who approved them.
 */
export interface CatalogueEntry {
  /** Stable kind code, e.g. sync_monthly, inspection, weekly. */
  kind: string;
  /** The kind's name on screen (zh-CN). */
  kindName: string;
  title: string;
  /** YYYY-MM, YYYY-Www, YYYYQn, YYYY-MM-DD or a from–to range. */
  period: string;
  version: number | null;
  /** generated (archived), on_demand, or the review state (draft, submitted, approved, returned). */
  state: string;
  generatedBy: string | null;
  generatedAt: Date | null;
  approvedBy: string | null;
  /** The API path that downloads it (GET, the same bearer token). */
  downloadPath: string;
  formats: string[];
  /** The district the document is limited to; null: city-wide. */
  districtCode: string | null;
}

/** How far back the catalogue offers documents generated on demand. */
export interface CatalogueWindow {
  now: Date;
  /** Calendar months offered (the current one included). */
  months: number;
}

/** The last `n` Shanghai calendar months, newest first, as YYYY-MM. */
export function recentMonths(now: Date, n: number): string[] {
  const day = shanghaiDay(now);
  let y = Number(day.slice(0, 4));
  let m = Number(day.slice(5, 7));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m -= 1;
    if (m === 0) { m = 12; y -= 1; }
  }
  return out;
}

/** First and last day (YYYY-MM-DD) of a YYYY-MM month. */
export function monthDays(month: string): { from: string; to: string } {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

/** The Shanghai calendar quarters the last `months` months fall in, newest first, as YYYYQn. */
export function recentQuarters(now: Date, months: number): string[] {
  return [...new Set(recentMonths(now, months).map((m) => `${m.slice(0, 4)}Q${Math.floor((Number(m.slice(5, 7)) - 1) / 3) + 1}`))];
}
