import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorResponses, type App } from '../../platform/http.js';
import { billForPlate, billOfPlate, BillParams, BillSchema, sandboxPayBill } from '../arrears/index.js';
import { citizenActor, citizenPlate, countUsage } from './citizen.js';
import type { PublicContext } from './repo.js';

/*
 * 缴纳欠费 (docs/公众服务接口.md): the verified plate's owner pays its arrears through the
 * configured payment channel. A bill fixes what is paid; the channel's verified notification
 * settles it (欠费追缴). On the sandbox channel (the demo) the H5 page pays it here.
 */
export function citizenArrearsRoutes(ctx: PublicContext, pub: { config: { public: boolean }; helmet: false; onRequest: ((req: FastifyRequest, reply: FastifyReply, done: () => void) => void)[] }, tags: string[]) {
  return async (app: App) => {
    app.addSchema(BillSchema);
    const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');
    const TOKEN = '须带 Authorization: Bearer <市民令牌>（401 CITIZEN_TOKEN_REQUIRED / CITIZEN_TOKEN_INVALID）。/ Needs the citizen token.';

    app.post('/api/v1/public/arrears/bills', {
      ...pub,
      schema: {
        operationId: 'publicArrearsBill', tags, security: [],
        summary: '缴纳欠费：为已验证车牌的全部欠费开具账单与支付订单（市民令牌）/ a bill and pay order for everything the verified plate owes',
        description: `${TOKEN} 没有欠费 409 NO_ARREARS；同样的待支付账单再次请求时原样返回。/ 409 NO_ARREARS when nothing is owed; a pending bill of the same sessions is given again.`,
        response: { 201: Type.Ref('ArrearsBill'), ...errorResponses(401, 409, 429) },
      },
    }, async (req, reply) => {
      const { plate } = await citizenPlate(ctx, req.headers.authorization);
      const bill = await billForPlate(ctx, citizenActor(req.ip), plate);
      await countUsage(ctx.db, ctx.clock.now(), 'arrears.bill');
      return noStore(reply).code(201).send(bill);
    });

    app.get('/api/v1/public/arrears/bills/:billNo', {
      ...pub,
      schema: {
        operationId: 'publicArrearsBillGet', tags, security: [], summary: '欠费账单状态（市民令牌）/ a bill and whether it is paid',
        description: `${TOKEN} 只能查看本车牌的账单（其他 404）。/ Only the verified plate's bills (else 404).`,
        params: BillParams, response: { 200: Type.Ref('ArrearsBill'), ...errorResponses(400, 401, 404, 429) },
      },
    }, async (req, reply) => {
      const { plate } = await citizenPlate(ctx, req.headers.authorization);
      return noStore(reply).send(await billOfPlate(ctx, plate, req.params.billNo));
    });

    app.post('/api/v1/public/arrears/bills/:billNo/sandbox-pay', {
      ...pub,
      schema: {
        operationId: 'publicArrearsSandboxPay', tags, security: [],
        summary: '沙箱支付欠费账单（演示；市民令牌）/ pay a bill through the sandbox channel (demo)',
        description: `${TOKEN} 仅当账单的支付通道为沙箱时可用（否则 409 NOT_SANDBOX）：沙箱按微信支付格式签名、加密通知并投递到通知处理，欠费随之结清。`
          + ' / Only on the sandbox channel (else 409 NOT_SANDBOX): it sends a signed, encrypted notification to the same path as WeChat Pay, which settles the arrears.',
        params: BillParams, response: { 200: Type.Ref('ArrearsBill'), ...errorResponses(400, 401, 404, 409, 429) },
      },
    }, async (req, reply) => {
      const { plate } = await citizenPlate(ctx, req.headers.authorization);
      return noStore(reply).send(await sandboxPayBill(ctx, citizenActor(req.ip), plate, req.params.billNo));
    });
  };
}
