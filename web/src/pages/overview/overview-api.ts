// The city overview (全局概览, GET /api/v1/overview) as the big screen uses it; its shape is the
// OpenAPI document's (ResponseOf<'overviewGet'>, web/src/api/client.ts).
// Money in integer fen, ratios as fractions (0.42), times ISO 8601 instants.
import { apiGet } from '../../api/client';

export const overviewApi = {
  get: () => apiGet('/api/v1/overview'),
};
