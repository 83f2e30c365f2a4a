import { audit } from '../../platform/context.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { XLSX_TYPE, contentDisposition as attachment } from '../../platform/http/download.js';
import { kpiQueryFromParams, parseKpiFormat } from './kpi-query.js';
import { queryChannelRevenue } from './channel-revenue.js';
import { ChannelRevenueQuerySchema, ChannelRevenueResultSchema, KpiQuerySchema, KpiResultSchema, KpiValuesSchema } from './schemas.js';
import { queryList } from '../../platform/query-list.js';
import { queryKpis } from './service.js';
import type { AnalyticsContext } from './repo.js';


/** 数据分析 KPIs. Anyone who may read the registry, within their district. */
export function analyticsRoutes(ctx: AnalyticsContext) {
  return async (app: App) => {
    app.addSchema(KpiValuesSchema);

    app.get('/api/v1/analytics/kpis', {
      preHandler: requirePermission('registry:read'),
      schema: {
        operationId: 'analyticsKpis',
        tags: ['analytics'],
        summary: '停车运营指标查询（可按时间、停车场、县市区、类别、支付渠道分组；json / xlsx） / parking KPIs by period, lot, district, category, channel',
        description:
          '从汇总表读取：驶入/驶出车次、泊位周转率、泊位利用率、状态上报占用率（平均、峰值）、平均停放时长、应收/实收/欠费（分）、数据完整率。'
          + '比率为 0–1 小数，无法计算时为 null；口径见 docs/指标口径.md。县市区用户只能查看本县市区。compare=yoy|pop 给每行附同比/环比；top+sort 取前 N。/ '
          + '行是稠密的：范围内截至汇总时刻的每个周期 × 所选停车场/县市区/类别（含 0）；支付渠道只列出现过的；超过 200 000 行时 400 TOO_MANY_ROWS。/ '
          + 'Read from the rollups; ratios are fractions, null when not computable; district users see their district only. Rows are dense: every period up to as-of '
          + '× every lot / district / category selected, zeros included (channels as they occur). format=xlsx downloads the same rows.',
        querystring: KpiQuerySchema,
        response: {
          200: {
            description: 'JSON，或 .xlsx（analytics-kpis-<from>-<to>.xlsx） / JSON, or the .xlsx file',
            content: {
              'application/json': { schema: KpiResultSchema },
              [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...errorResponses(400, 401, 403),
        },
      },
    }, async (req, reply) => {
      const actor = actorOf(req);
      const format = parseKpiFormat(req.query.format);
      const query = kpiQueryFromParams(req.query);
      const result = await queryKpis(ctx, actor, query);
      if (format === 'json') return reply.header('cache-control', 'no-store').send(result);
      const { kpiXlsx, kpiFileName } = await import('./kpi-xlsx.js');
      const body = await kpiXlsx(result, query, ctx.clock.now());
      await audit(ctx, ctx.db, actor, {
        action: 'analytics.kpis.download',
        targetType: 'analytics',
        targetId: `kpis:${query.from}:${query.to}`,
        detail: { from: query.from, to: query.to, groupBy: query.groupBy, rows: result.rows.length, ...(actor.districtCode ? { districtCode: actor.districtCode } : {}) },
      });
      const name = kpiFileName(query.from, query.to);
      return reply
        .header('content-type', XLSX_TYPE)
        .header('content-disposition', attachment(name, name))
        .header('cache-control', 'no-store')
        .send(body as unknown as string); // a Buffer goes out as it is, past the serializer
    });

    app.get('/api/v1/analytics/channel-revenue', {
      preHandler: requirePermission('registry:read'),
      schema: {
        operationId: 'analyticsChannelRevenue',
        tags: ['analytics'],
        summary: '渠道收款与对账：车场实收旁的平台支付通道收款、退款与已对账金额 / paid through the platform\'s channels and reconciled, next to the lot systems\' paid',
        description:
          '按上海日、停车场、县市区分组（可组合，groupBy=day,lot）。paidFen 为车场系统上报的实收（同指标查询）；channelPaidFen 为平台支付通道（微信支付、支付宝、沙箱）'
          + '收到的、指向本平台订单的支付（channelRefundFen 为退款，不相减），按订单登记的停车场分摊；reconciledFen 为其中已在导入的通道账单中逐笔一致的支付。口径见 docs/指标口径.md §2.11。'
          + '县市区用户只能查看本县市区。/ Grouped by Shanghai day, lot and/or district. paidFen is the lot systems\' own; channelPaidFen what the platform\'s channels '
          + 'received for our orders (refunds apart in channelRefundFen), shared among the lots each order names; reconciledFen the payments matched line by line in an imported bill.',
        querystring: ChannelRevenueQuerySchema,
        response: { 200: ChannelRevenueResultSchema, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => {
      const p = req.query;
      const result = await queryChannelRevenue(ctx, actorOf(req), {
        from: p.from?.trim() ?? '', to: p.to?.trim() ?? '', groupBy: queryList('groupBy', p.groupBy, undefined, 'BAD_GROUP_BY') ?? [],
        lot: queryList('lot', p.lot, undefined, 'UNKNOWN_LOT') ?? [], district: queryList('district', p.district, undefined, 'UNKNOWN_DISTRICT') ?? [],
        category: queryList('category', p.category, undefined, 'BAD_CATEGORY') ?? [],
      });
      return reply.header('cache-control', 'no-store').send(result);
    });
  };
}
