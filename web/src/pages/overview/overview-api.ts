// The city overview (全局概览, GET /api/v1/overview) as the big screen uses it.
// Money in integer fen, ratios as fractions (0.42), times ISO 8601 instants.
import { api } from '../../api/api';
import type { LotCategory } from '../../api/types';

export interface DayFigures {
  entries: number;
  exits: number;
  receivableFen: number;
  paidFen: number;
}

export interface DistrictRank {
  districtCode: string;
  districtName: string;
  lots: number;
  spaces: number;
  occupancy: number | null;
  entriesToday: number;
  receivableFenToday: number;
}

export interface BusyLot {
  lotCode: string;
  lotName: string;
  districtName: string;
  entries: number;
  occupancy: number | null;
}

export interface LotPoint {
  lotCode: string;
  lotName: string;
  lng: number;
  lat: number;
  totalSpaces: number;
  occupancy: number | null;
  category: LotCategory;
  districtCode: string;
}

export interface Overview {
  asOf: string;
  /** When the analytics rollups (today, yesterday) were last refreshed. */
  figuresAsOf: string | null;
  lots: number;
  spaces: number;
  districts: number;
  lotsWithoutCoordinates: number;
  live: { occupied: number; total: number; ratio: number | null; knownLots: number };
  today: DayFigures;
  /** Yesterday up to the same time of day. */
  yesterday: DayFigures;
  yesterdayFull: DayFigures;
  districtRanking: DistrictRank[];
  busiestLots: BusyLot[];
  points: LotPoint[];
  sync: { total: number; ok: number; late: number; never: number; paused: number };
  incidents: { open: number; bySeverity: { '1': number; '2': number; '3': number } };
  tickets: { open: number; overdue: number };
}

export const overviewApi = {
  get: () => api.get<Overview>('/api/v1/overview'),
};
