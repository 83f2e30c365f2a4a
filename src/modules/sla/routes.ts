import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import { calendarDays, policiesView, policyView } from './calendar-view.js';
import { resetPolicyOverride, setPolicyOverride } from './policy-settings.js';
import { CalendarQuery, CalendarResponse, PoliciesResponse, PolicyChangeBody, PolicyKeyParams, PolicySchema } from './schemas.js';
import type { SlaContext } from './repo.js';

/** The working-day calendar and the SLA policies (work orders and incidents use them through the service). */
export function slaRoutes(ctx: SlaContext) {
  return async (app: App) => {
    app.addSchema(PolicySchema);
    const read = { preHandler: requirePermission('registry:read') };
    const write = { preHandler: requirePermission('ops') };
    const tags = ['sla'];

    app.get('/api/v1/sla/calendar', {
      ...read,
      schema: {
        operationId: 'slaCalendar',
        tags,
        summary: '工作日历（法定节假日、调休） / working-day calendar with public holidays and make-up days',
        description: '每天是否工作日及原因；超出节假日数据年份的日期按周一至周五计算，covered=false 并给出 warning。/ '
          + 'Whether each day is a working day and why; days in years without holiday data count Mon–Fri only (covered=false, warning set).',
        querystring: CalendarQuery,
        response: { 200: CalendarResponse, ...errorResponses(400, 401, 403) },
      },
    }, (req) => calendarDays(ctx, req.query));

    app.get('/api/v1/sla/policies', {
      ...read,
      schema: {
        operationId: 'slaPoliciesList',
        tags,
        summary: 'SLA 时限策略与服务日历 / SLA policies in force and service calendars',
        response: { 200: PoliciesResponse, ...errorResponses(401, 403) },
      },
    }, () => policiesView(ctx));

    app.put('/api/v1/sla/policies/:key', {
      ...write,
      schema: {
        operationId: 'slaPoliciesSet',
        tags,
        summary: '修改 SLA 时限（仅对新计时生效） / change an SLA target (applies to clocks started afterwards)',
        params: PolicyKeyParams,
        body: PolicyChangeBody,
        response: { 200: Type.Ref('SlaPolicy'), ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => policyView(await setPolicyOverride(ctx, actorOf(req), req.params.key, req.body)));

    app.delete('/api/v1/sla/policies/:key', {
      ...write,
      schema: {
        operationId: 'slaPoliciesReset',
        tags,
        summary: '恢复 SLA 时限默认值 / reset an SLA target to its default',
        params: PolicyKeyParams,
        response: { 200: Type.Ref('SlaPolicy'), ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => policyView(await resetPolicyOverride(ctx, actorOf(req), req.params.key)));
  };
}
