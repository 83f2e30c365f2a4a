import { Type } from 'typebox';
import type { AppContext } from '../../platform/context.js';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { themeKpis } from './kpis.js';
import { publicTheme, themeForecast, themeLive } from './live.js';
import { AppError } from '../../platform/errors.js';
import { themeCompare } from './compare.js';
import { holidaysOfYear } from './holidays.js';
import { DOCX_TYPE, themeReport } from './report.js';
import { contentDisposition } from '../../platform/http/download.js';
import { themesContext } from './repo.js';
import { AlertList, CodeParams, PublicThemeReply, CompareQuery, CompareReply, ForecastReply, HolidaysQuery, HolidaysReply, KpiQuery, KpiReply, LiveReply, ThemeBody, ThemeList, ThemePatch, ThemeReply } from './schemas.js';
import { createTheme, deleteTheme, existingTheme, getTheme, listThemes, updateTheme } from './service.js';
import { alertHistory } from './alerts.js';

const tags = ['themes'];

/**
 * 市域专题 (docs/市域专题接口.md): themes are read with registry:read and written with
 * registry:write; a district user sees and writes only the themes of their district.
 */
export function themesRoutes(appCtx: AppContext) {
  const ctx = themesContext(appCtx);
  return async (app: App) => {
    app.addSchema(ThemeReply);
    const read = { preHandler: requirePermission('registry:read') };
    const write = { onRequest: requirePermission('registry:write') };

    // Citizens (医院周边停车 …): a published theme, no account, on the public service's per-IP budget.
    const limit = app.createRateLimit({ max: ctx.config.publicRatePerMinute, timeWindow: 60_000, keyGenerator: (req) => `public:${req.ip}` });
    app.get('/api/v1/public/themes/:code', {
      config: { public: true },
      onRequest: async (req) => {
        const r = await limit(req);
        if (!r.isAllowed && r.isExceeded) {
          const retry = Math.max(1, r.ttlInSeconds);
          throw new AppError(429, 'RATE_LIMITED', `请求过于频繁，请 ${retry} 秒后再试 / too many requests, retry in ${retry} s`, undefined, { 'retry-after': String(retry) });
        }
      },
      schema: {
        operationId: 'themesPublicGet', tags, security: [],
        summary: '已发布专题的停车场实时空位（免登录） / a published theme\'s lots with live availability (no account)',
        description: '按公众服务的规则：隐藏的停车场不出现，空位只在 live 时给出；未发布的专题 404。每个 IP 与公众服务共用每分钟限额，超出 429 并带 Retry-After。 / The public service\'s rules; unpublished themes 404; per-IP limit shared with the public service.',
        params: CodeParams, response: { 200: PublicThemeReply, ...errorResponses(404, 429) },
      },
    }, async (req, reply) => {
      reply.header('cache-control', 'public, max-age=30');
      return publicTheme(ctx, req.params.code);
    });

    app.get('/api/v1/themes', {
      ...read,
      schema: { operationId: 'themesList', tags, summary: '专题列表 / themes', response: { 200: ThemeList, ...errorResponses(401, 403) } },
    }, (req) => listThemes(ctx, actorOf(req)));

    app.post('/api/v1/themes', {
      ...write,
      schema: {
        operationId: 'themesCreate', tags,
        summary: '新建专题 / create a theme',
        description: '成员 = lotCodes ∪ points 半径内（GCJ-02 球面距离）∪ districtCodes 中 categories 类别的停车场；需要 registry:write；审计 themes.create。 / Members: the lots named, those within a radius of a point, and those of the categories in the districts. Audited.',
        body: ThemeBody, response: { 201: Type.Ref('Theme'), ...errorResponses(400, 401, 403, 409) },
      },
    }, async (req, reply) => reply.code(201).send(await createTheme(ctx, actorOf(req), req.body)));

    app.get('/api/v1/themes/:code', {
      ...read,
      schema: { operationId: 'themesGet', tags, summary: '专题及其成员 / a theme and its members', params: CodeParams, response: { 200: Type.Ref('Theme'), ...errorResponses(401, 403, 404) } },
    }, (req) => getTheme(ctx, actorOf(req), req.params.code));

    app.patch('/api/v1/themes/:code', {
      ...write,
      schema: {
        operationId: 'themesUpdate', tags,
        summary: '修改专题 / change a theme',
        description: '只改给出的字段；frozen=true 冻结当前成员，false 恢复按规则重算。审计 themes.update。 / Changes the given fields; frozen keeps the members as they are. Audited.',
        params: CodeParams, body: ThemePatch, response: { 200: Type.Ref('Theme'), ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => updateTheme(ctx, actorOf(req), req.params.code, req.body));

    app.delete('/api/v1/themes/:code', {
      ...write,
      schema: {
        operationId: 'themesDelete', tags, summary: '删除专题 / remove a theme',
        params: CodeParams, response: { 204: Type.Null({ description: '已删除 / removed' }), ...errorResponses(401, 403, 404) },
      },
    }, async (req, reply) => {
      await deleteTheme(ctx, actorOf(req), req.params.code);
      return reply.code(204).send(null);
    });

    app.get('/api/v1/themes/holidays', {
      ...read,
      schema: {
        operationId: 'themesHolidays', tags,
        summary: '某年法定节假日（节假日对比用） / the public holidays of a year',
        description: '平台日历（国务院安排，含调休）中该年的法定节假日，连续日为一段。 / The platform calendar\'s public holidays of the year, consecutive days as one run, with make-up working days.',
        querystring: HolidaysQuery, response: { 200: HolidaysReply, ...errorResponses(400, 401, 403) },
      },
    }, (req) => holidaysOfYear(req.query.year));

    app.get('/api/v1/themes/:code/kpis', {
      ...read,
      schema: {
        operationId: 'themesKpis', tags,
        summary: '专题指标 / theme measures',
        description: '上海日期 [from 00:00, to 次日 00:00)，按原始车位状态报告精确计算（docs/指标口径.md 第 3 节）。 / Shanghai days, to included; exact on the raw status reports.',
        params: CodeParams, querystring: KpiQuery, response: { 200: KpiReply, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => themeKpis(ctx, actorOf(req), req.params.code, req.query));

    app.get('/api/v1/themes/:code/alerts', {
      ...read,
      schema: {
        operationId: 'themesAlerts', tags,
        summary: '专题饱和告警记录 / the theme\'s saturation episodes',
        description: '占用率 ≥ 阈值持续 ≥ N 分钟为一次；维护窗口内不通知（silenced）。 / Occupancy ≥ threshold for ≥ N minutes is one episode; silenced under a maintenance window.',
        params: CodeParams, response: { 200: AlertList, ...errorResponses(401, 403, 404) },
      },
    }, async (req) => {
      const theme = await existingTheme(ctx.db, actorOf(req), req.params.code);
      return { items: await alertHistory(ctx, theme.id) };
    });

    app.get('/api/v1/themes/:code/forecast', {
      ...read,
      schema: {
        operationId: 'themesForecast', tags,
        summary: '专题未来 6 小时占用预测 / the theme\'s occupancy forecast for the next 6 hours',
        description: '15 分钟一步：同类日（工作日/周末/节假日，按官方日历）最近 8 天的常态曲线，叠加最近 15 分钟与常态之差（随时间衰减）。见 docs/指标口径.md 5.9。 / 15-minute steps: the usual curve of the last 8 days of the same type, blended with now.',
        params: CodeParams, response: { 200: ForecastReply, ...errorResponses(401, 403, 404) },
      },
    }, (req) => themeForecast(ctx, actorOf(req), req.params.code));

    app.get('/api/v1/themes/:code/compare', {
      ...read,
      schema: {
        operationId: 'themesCompare', tags,
        summary: '活动前后对比 / a period against the same weekdays before it',
        description: '所选期间（活动专题默认其活动日期）与之前 weeks 周同期（同星期几）的指标及其平均。 / The period (an event theme\'s dates by default) against the same weekdays of the weeks before.',
        params: CodeParams, querystring: CompareQuery, response: { 200: CompareReply, ...errorResponses(400, 401, 403, 404) },
      },
    }, (req) => themeCompare(ctx, actorOf(req), req.params.code, req.query));

    app.get('/api/v1/themes/:code/report', {
      ...read,
      schema: {
        operationId: 'themesReport', tags,
        summary: '专题报告（.docx） / the theme report (.docx)',
        description: '所选上海日期范围的主要指标、逐小时占用率图与成员表；审计 themes.report.download。 / Measures, hourly chart and members for the chosen days; audited.',
        params: CodeParams, querystring: KpiQuery,
        response: {
          200: { description: '.docx 文件 / the .docx file', content: { [DOCX_TYPE]: { schema: { type: 'string', format: 'binary' } } } },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    }, async (req, reply) => {
      const file = await themeReport(ctx, actorOf(req), req.params.code, req.query);
      reply.header('content-type', DOCX_TYPE).header('cache-control', 'no-store').header('content-disposition', contentDisposition(file.fileName, file.asciiName));
      return reply.send(file.body as unknown as string);
    });

    app.get('/api/v1/themes/:code/live', {
      ...read,
      schema: {
        operationId: 'themesLive', tags,
        summary: '专题实时 / theme now',
        description: '各成员 live/stale/unknown（同公众服务），专题当前占用率，今天饱和分钟。 / Each member\'s availability, the theme\'s occupancy now, minutes saturated today.',
        params: CodeParams, response: { 200: LiveReply, ...errorResponses(401, 403, 404) },
      },
    }, (req) => themeLive(ctx, actorOf(req), req.params.code));
  };
}
