// The city overview (全局概览, GET /api/v1/overview) as the big screen uses it, and one lot's card
// (GET /api/v1/overview/lots/{code}: the map's lot card and the lot page's 今日 part); their shapes
// are the OpenAPI document's (ResponseOf<'overviewGet'>, ResponseOf<'overviewLotCard'>,
// web/src/api/client.ts). Money in integer fen, ratios as fractions (0.42), times ISO 8601 instants.
import { apiGet } from '../../api/client';

export const overviewApi = {
  get: () => apiGet('/api/v1/overview'),
  lotCard: (code: string) => apiGet('/api/v1/overview/lots/{code}', { path: { code } }),
};
