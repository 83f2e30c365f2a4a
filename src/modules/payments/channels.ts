import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import type { AlipayKeys } from './alipay.js';
import { paymentsContext, type PaymentsContext, type PaymentsDb } from './repo.js';
import type { PayChannelsTable } from './tables.js';
import { CHANNEL_KINDS, type ChannelKind } from './vocab.js';
import { readsAsPublicKey, type WechatKeys } from './wechat.js';

/*
 * Payment channels (支付通道): a merchant account at WeChat Pay or Alipay, or the sandbox.
 * Key material is sealed with the platform key like the data sources' signing secrets
 * (ctx.secrets, src/platform/secret-box.ts); lists and reads never return it.
 */

export interface NewChannel {
  code: string;
  name?: string;
  kind: string;
  mchId?: string;
  apiV3Key?: string;
  platformSerial?: string;
  platformPublicKey?: string;
  appId?: string;
  alipayPublicKey?: string;
}

export interface ChannelView {
  code: string;
  name: string;
  kind: ChannelKind;
  status: 'active' | 'disabled';
  mchId: string | null;
  appId: string | null;
  platformSerials: string[];
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

interface ChannelConfig {
  mchId?: string;
  appId?: string;
  platformSerials?: string[];
}

/** What is sealed: the keys a channel verifies with, and the sandbox's signing key. */
export interface ChannelSecrets {
  apiV3Key?: string;
  platformKeys?: Record<string, string>;
  alipayPublicKey?: string;
  /** Sandbox only: the private key it signs notifications with, as the WeChat Pay platform would. */
  sandboxPrivateKey?: string;
}

/** An active channel with its opened keys, for the notification path. */
export type OpenChannel =
  | { code: string; kind: 'wechat' | 'sandbox'; status: 'active' | 'disabled'; keys: WechatKeys; secrets: ChannelSecrets }
  | { code: string; kind: 'alipay'; status: 'active' | 'disabled'; keys: AlipayKeys; secrets: ChannelSecrets };

const CODE_RE = /^[A-Za-z0-9_.-]{2,64}$/;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

function required(input: NewChannel, field: keyof NewChannel): string {
  const v = input[field];
  if (typeof v !== 'string' || !v.trim()) throw badRequest('MISSING_FIELD', `缺少 ${field} / ${field} is required for kind ${input.kind}`, [{ field }]);
  return v.trim();
}

/**
 * A public key or certificate in PEM; the bare base64 that Alipay's console shows is wrapped as
 * one. A private key is refused (it must never reach the platform).
 */
function publicKey(input: NewChannel, field: 'platformPublicKey' | 'alipayPublicKey'): string {
  let pem = required(input, field);
  if (/PRIVATE KEY/.test(pem)) throw badRequest('INVALID_PUBLIC_KEY', `${field} 是私钥，请填写公钥 / ${field} is a private key: give the public key`, [{ field }]);
  if (!pem.includes('-----BEGIN') && /^[A-Za-z0-9+/=\s]+$/.test(pem)) {
    pem = `-----BEGIN PUBLIC KEY-----\n${pem.replace(/\s+/g, '').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
  }
  if (!pem.includes('-----BEGIN') || !readsAsPublicKey(pem)) throw badRequest('INVALID_PUBLIC_KEY', `${field} 不是可读取的 RSA 公钥（PEM）/ ${field} is not a readable RSA public key (PEM)`, [{ field }]);
  return pem;
}

function plan(input: NewChannel): { config: ChannelConfig; secrets: ChannelSecrets } {
  const kind = input.kind as ChannelKind;
  if (kind === 'wechat') {
    const mchId = required(input, 'mchId');
    if (!ID_RE.test(mchId)) throw badRequest('INVALID_VALUE', 'mchId 格式错误 / mchId malformed', [{ field: 'mchId' }]);
    const apiV3Key = input.apiV3Key ?? '';
    if (typeof apiV3Key !== 'string' || apiV3Key.length !== 32 || Buffer.byteLength(apiV3Key, 'utf8') !== 32) {
      throw badRequest('INVALID_API_V3_KEY', 'apiV3Key 须为 32 个字符 / apiV3Key must be exactly 32 characters', [{ field: 'apiV3Key' }]);
    }
    const serial = required(input, 'platformSerial');
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(serial)) throw badRequest('INVALID_VALUE', 'platformSerial 格式错误 / platformSerial malformed', [{ field: 'platformSerial' }]);
    const pem = publicKey(input, 'platformPublicKey');
    return { config: { mchId, platformSerials: [serial] }, secrets: { apiV3Key, platformKeys: { [serial]: pem } } };
  }
  if (kind === 'alipay') {
    const appId = required(input, 'appId');
    if (!ID_RE.test(appId)) throw badRequest('INVALID_VALUE', 'appId 格式错误 / appId malformed', [{ field: 'appId' }]);
    return { config: { appId }, secrets: { alipayPublicKey: publicKey(input, 'alipayPublicKey') } };
  }
  // The sandbox makes its own keys: it is the "platform" that signs and encrypts notifications.
  const { publicKey: pub, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const serial = randomBytes(20).toString('hex').toUpperCase();
  const apiV3Key = randomBytes(24).toString('base64url').slice(0, 32);
  return {
    config: { mchId: `SANDBOX-${input.code}`.slice(0, 64), platformSerials: [serial] },
    secrets: { apiV3Key, platformKeys: { [serial]: pub }, sandboxPrivateKey: privateKey },
  };
}

function toView(r: Selectable<PayChannelsTable>): ChannelView {
  const c = (typeof r.config === 'string' ? JSON.parse(r.config) : r.config) as ChannelConfig;
  return {
    code: r.code, name: r.name, kind: r.kind, status: r.status,
    mchId: c.mchId ?? null, appId: c.appId ?? null, platformSerials: c.platformSerials ?? [],
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(), updatedBy: r.updated_by,
  };
}

export async function createChannel(ctx: PaymentsContext, actor: Actor, input: NewChannel): Promise<ChannelView> {
  if (typeof input.code !== 'string' || !CODE_RE.test(input.code)) throw badRequest('INVALID_CODE', '通道编码须为 2–64 位字母、数字、_.- / code: 2–64 of A-Z a-z 0-9 _ . -', [{ field: 'code' }]);
  if (!CHANNEL_KINDS.includes(input.kind as ChannelKind)) throw badRequest('INVALID_KIND', `kind 须为 ${CHANNEL_KINDS.join('|')} / kind must be one of ${CHANNEL_KINDS.join(', ')}`, [{ field: 'kind' }]);
  const { config, secrets } = plan(input);
  const name = input.name?.trim() || input.code;
  if (name.length > 100) throw badRequest('INVALID_VALUE', '名称最长 100 字 / name: at most 100 characters', [{ field: 'name' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('pay_channels').select('code').where('code', '=', input.code).executeTakeFirst();
    if (exists) throw conflict('DUPLICATE', `支付通道编码已存在 / channel ${input.code} already exists`);
    const now = ctx.clock.now();
    const row = await trx.insertInto('pay_channels').values({
      code: input.code, name, kind: input.kind as ChannelKind, config: JSON.stringify(config), secrets_sealed: ctx.secrets.seal(JSON.stringify(secrets)),
      created_at: now, updated_at: now, updated_by: actor.username,
    }).returningAll().executeTakeFirstOrThrow();
    const view = toView(row);
    await audit(ctx, trx, actor, { action: 'payment_channel.create', targetType: 'payment_channel', targetId: input.code, detail: { after: view } });
    return view;
  });
}

const VIEW_COLUMNS = ['id', 'code', 'name', 'kind', 'status', 'config', 'created_at', 'updated_at', 'updated_by'] as const;

export async function listChannels(ctx: PaymentsContext): Promise<ChannelView[]> {
  const rows = await ctx.db.selectFrom('pay_channels').select(VIEW_COLUMNS).orderBy('code').execute();
  return rows.map((r) => toView({ ...r, secrets_sealed: '' }));
}

export async function getChannel(ctx: PaymentsContext, code: string): Promise<ChannelView> {
  const r = await ctx.db.selectFrom('pay_channels').select(VIEW_COLUMNS).where('code', '=', code).executeTakeFirst();
  if (!r) throw notFound(`支付通道 ${code}`);
  return toView({ ...r, secrets_sealed: '' });
}

/** A channel with its keys opened; null when there is none. */
export async function openChannel(ctx: PaymentsContext, db: PaymentsDb, code: string): Promise<OpenChannel | null> {
  const r = await db.selectFrom('pay_channels').selectAll().where('code', '=', code).executeTakeFirst();
  if (!r) return null;
  const view = toView(r);
  const secrets = JSON.parse(ctx.secrets.open(r.secrets_sealed)) as ChannelSecrets;
  if (r.kind === 'alipay') return { code: r.code, kind: 'alipay', status: r.status, keys: { appId: view.appId ?? '', alipayPublicKey: secrets.alipayPublicKey ?? '' }, secrets };
  return { code: r.code, kind: r.kind, status: r.status, keys: { mchId: view.mchId ?? '', apiV3Key: secrets.apiV3Key ?? '', platformKeys: secrets.platformKeys ?? {} }, secrets };
}

/** The demo's sandbox channel (code SANDBOX), made once: order → sandbox pay → notify → settle works out of the box. */
export async function ensureSandboxChannel(anyCtx: AppContext, actor: Actor, code = 'SANDBOX'): Promise<ChannelView> {
  const ctx = paymentsContext(anyCtx);
  const existing = await ctx.db.selectFrom('pay_channels').select('code').where('code', '=', code).executeTakeFirst();
  if (existing) return getChannel(ctx, code);
  return createChannel(ctx, actor, { code, name: '沙箱（演示）', kind: 'sandbox' });
}
