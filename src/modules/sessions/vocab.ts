/*
 * Vocabularies of parking records that other modules share. Pay channels are part of the
 * integrator contract (docs/接入规范.md): ingest validates pushed events against them and the
 * records query filters by them. They live here, in the lower of the two modules (ingest pairs
 * through sessions), so that both import them without a cycle.
 */
export const PAY_CHANNELS = ['wechat', 'alipay', 'unionpay', 'etc', 'cash', 'card', 'free', 'other'] as const;
export type PayChannel = (typeof PAY_CHANNELS)[number];
