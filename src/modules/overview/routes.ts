import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { lotCard } from './lot-card.js';
import { LotCardReply, LotCodeParams, OverviewReply } from './schemas.js';
import { buildOverview } from './service.js';
import type { OverviewContext } from './repo.js';

/** The city overview (全局概览). Any signed-in user with registry:read, within their district. */
export function overviewRoutes(ctx: OverviewContext) {
  return async (app: App) => {
    app.get('/api/v1/overview', {
      preHandler: requirePermission('registry:read'),
      schema: {
        operationId: 'overviewGet',
        tags: ['overview'],
        summary: '全局概览（大屏） / city overview for the big screen',
        description:
          '停车场与泊位、实时占用、今日与昨日同时段的车流与收费（来自统计汇总）、县市区排行、最繁忙停车场、停车场分布点位、同步状态、未关闭事件与工单；县市区用户只见本辖区。'
          + ' / Lots and spaces, live occupancy, today vs yesterday at the same time (from the analytics rollups), district ranking, busiest lots, lot positions, sync health, open incidents and work orders; district users see their district only.',
        response: { 200: OverviewReply, ...errorResponses(401, 403) },
      },
    }, (req) => buildOverview(ctx, actorOf(req)));

    app.get('/api/v1/overview/lots/:code', {
      preHandler: requirePermission('registry:read'),
      schema: {
        operationId: 'overviewLotCard',
        tags: ['overview'],
        summary: '停车场卡片（大屏点选、停车场详情页） / one lot\'s card for the big screen and the lot page',
        description:
          '实时占用、同步状态、今日车流与收费、今日 24 小时的入场与平均占用率（对比昨日同小时）；县市区用户只能看本辖区的停车场，其他为 404。'
          + ' / Live occupancy, sync state, today\'s flow and revenue, today\'s 24 hours of entries and mean occupancy against yesterday; a lot outside a district user\'s district is 404.',
        params: LotCodeParams,
        response: { 200: LotCardReply, ...errorResponses(401, 403, 404) },
      },
    }, (req) => lotCard(ctx, actorOf(req), req.params.code));
  };
}
