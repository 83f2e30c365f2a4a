// The payments API (支付通道, /api/v1/payments…) as the console uses it; shapes from the OpenAPI
// document (web/src/api/client.ts). Money is fen in the API, yuan on screen.
import { api } from '../../api/api';
import { apiGet, apiPost, type BodyOf, type QueryOf } from '../../api/client';

const base = '/api/v1/payments';

export const CHANNEL_KINDS = ['wechat', 'alipay', 'sandbox'] as const;
export const RECON_RESULTS = ['matched', 'long', 'short', 'amount_mismatch', 'duplicate'] as const;

export const paymentsApi = {
  list: (query: QueryOf<'paymentsList'>) => apiGet(base, { query }),
  channels: () => apiGet(`${base}/channels`),
  createChannel: (body: BodyOf<'paymentsCreateChannel'>) => apiPost(`${base}/channels`, { body }),
  quarantine: () => apiGet(`${base}/quarantine`, { query: {} }),
  orders: () => apiGet(`${base}/orders`, { query: {} }),
  createOrder: (body: BodyOf<'paymentsCreateOrder'>) => apiPost(`${base}/orders`, { body }),
  sandboxPay: (orderNo: string) => apiPost(`${base}/orders/{orderNo}/sandbox-pay`, { path: { orderNo } }),
  imports: () => apiGet(`${base}/reconciliation/imports`),
  lines: (query: QueryOf<'paymentsListReconLines'>) => apiGet(`${base}/reconciliation/lines`, { query }),
  resolve: (id: number, resolution: string) => apiPost(`${base}/reconciliation/lines/{id}/resolve`, { path: { id }, body: { resolution } }),
  importBill: (file: File, channelCode: string, billDate: string, replace: boolean) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return apiPost(`${base}/reconciliation/imports`, { query: { channelCode, billDate, replace }, body: form });
  },
  report: (id: number, name: string) => api.download(`${base}/reconciliation/imports/${id}/report`, name),
};

/** 1230 fen → '12.30' (integer arithmetic). */
export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100).toLocaleString('zh-CN')}.${String(abs % 100).padStart(2, '0')}`;
}
