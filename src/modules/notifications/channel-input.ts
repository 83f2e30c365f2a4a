import { AppError } from '../../platform/errors.js';
import { SEVERITIES } from './routing.js';
import type { ChannelSecrets, ChannelSettings, ChannelType, NoticeLanguage, Severity } from './tables.js';

/*
 * Checks of a channel's fields that need no database, each naming the exact problem
 * (INVALID_WEBHOOK_URL, INVALID_EMAIL …), and the split of its settings into what may be
 * shown and what is sealed.
 */

export const CHANNEL_TYPES: readonly ChannelType[] = ['email', 'wecom', 'dingtalk'];

/** Settings as the API takes them: shown ones and secrets side by side. */
export interface ChannelSettingsInput {
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string | null;
  password?: string | null;
  from?: string;
  to?: string[];
  webhookUrl?: string;
  secret?: string | null;
}

export interface NewChannel {
  name: string;
  type: ChannelType;
  enabled?: boolean;
  minSeverity?: Severity;
  kinds?: string[];
  districtCode?: string | null;
  language?: NoticeLanguage;
  settings: ChannelSettingsInput;
}

/**
 * A change. In `settings`, an absent secret keeps the stored one; `password` or `secret` null
 * (or empty) clears it; an empty `webhookUrl` keeps the stored address.
 */
export interface ChannelPatch {
  name?: string;
  enabled?: boolean;
  minSeverity?: Severity;
  kinds?: string[];
  districtCode?: string | null;
  language?: NoticeLanguage;
  settings?: ChannelSettingsInput;
}

export interface FieldIssue {
  field: string;
  code: string;
  message: string;
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const KIND_PREFIX = /^[A-Za-z0-9_.-]{1,100}$/;
const HOST = /^[A-Za-z0-9.-]{1,253}$|^\[[0-9a-fA-F:]+\]$/;

/** 'Name <addr@host>' or 'addr@host'. */
export function isMailbox(value: string): boolean {
  const angle = /^[^<>]*<([^<>]+)>$/.exec(value.trim());
  return EMAIL.test(angle ? angle[1]!.trim() : value.trim());
}

export function isWebhookUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && value.length <= 1000;
  } catch {
    return false;
  }
}

export function issuesError(issues: FieldIssue[]): AppError {
  return new AppError(400, issues[0]!.code, issues[0]!.message, issues);
}

/** Checks the common fields; `settings` are checked once merged with the stored ones (see checkSettings). */
export function checkChannelFields(input: Partial<Record<keyof NewChannel, unknown>>, mode: 'create' | 'patch'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if ((mode === 'create' || input.name !== undefined) && (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 100)) {
    issues.push({ field: 'name', code: 'INVALID_NAME', message: '名称须为 1–100 个字符 / name: 1–100 characters' });
  }
  if (mode === 'create' && !CHANNEL_TYPES.includes(input.type as ChannelType)) {
    issues.push({ field: 'type', code: 'INVALID_TYPE', message: '类型须为 email、wecom 或 dingtalk / type: email, wecom or dingtalk' });
  }
  if (input.minSeverity !== undefined && !SEVERITIES.includes(input.minSeverity as Severity)) {
    issues.push({ field: 'minSeverity', code: 'INVALID_SEVERITY', message: '最低级别须为 info、warning 或 critical / minSeverity: info, warning or critical' });
  }
  if (input.kinds !== undefined && (!Array.isArray(input.kinds) || input.kinds.length > 20 || !input.kinds.every((k) => typeof k === 'string' && KIND_PREFIX.test(k)))) {
    issues.push({ field: 'kinds', code: 'INVALID_KINDS', message: '通知类型前缀至多 20 个，每个为字母、数字或 _.-，如 monitoring. / kinds: up to 20 prefixes of letters, digits, _.- such as monitoring.' });
  }
  if (input.language !== undefined && input.language !== 'zh-CN' && input.language !== 'en') {
    issues.push({ field: 'language', code: 'INVALID_LANGUAGE', message: '语言须为 zh-CN 或 en / language: zh-CN or en' });
  }
  if (mode === 'create' && (typeof input.settings !== 'object' || input.settings === null)) {
    issues.push({ field: 'settings', code: 'INVALID_SETTINGS', message: '缺少渠道设置 / settings are required' });
  }
  return issues;
}

/** The stored settings and secrets after applying `input` (create: onto nothing). */
export function mergeSettings(type: ChannelType, stored: { settings: ChannelSettings; secrets: ChannelSecrets }, input: ChannelSettingsInput | undefined): { settings: ChannelSettings; secrets: ChannelSecrets } {
  const i = input ?? {};
  const keepOrSet = <T>(value: T | null | undefined, old: T | null | undefined): T | null | undefined => (value === undefined || value === '' ? old : value);
  if (type === 'email') {
    const settings: ChannelSettings = {
      host: i.host !== undefined ? i.host.trim() : stored.settings.host,
      port: i.port ?? stored.settings.port,
      secure: i.secure ?? stored.settings.secure,
      user: i.user !== undefined ? i.user?.trim() || null : (stored.settings.user ?? null),
      from: i.from !== undefined ? i.from.trim() : stored.settings.from,
      to: i.to !== undefined ? i.to.map((t) => t.trim()).filter(Boolean) : stored.settings.to,
    };
    if (settings.secure === undefined && settings.port !== undefined) settings.secure = settings.port === 465;
    return { settings, secrets: { password: i.password === undefined ? (stored.secrets.password ?? null) : i.password || null } };
  }
  const webhookUrl = keepOrSet(i.webhookUrl?.trim(), stored.secrets.webhookUrl) ?? undefined;
  if (type === 'wecom') return { settings: {}, secrets: { webhookUrl } };
  const secret = i.secret === undefined ? (stored.secrets.secret ?? null) : i.secret?.trim() || null;
  return { settings: {}, secrets: { webhookUrl, secret } };
}

/** Checks a channel's complete settings for its type. */
export function checkSettings(type: ChannelType, settings: ChannelSettings, secrets: ChannelSecrets): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (type === 'email') {
    if (!settings.host || !HOST.test(settings.host)) issues.push({ field: 'settings.host', code: 'INVALID_HOST', message: 'SMTP 服务器地址无效 / invalid SMTP host' });
    if (!Number.isInteger(settings.port) || settings.port! < 1 || settings.port! > 65535) issues.push({ field: 'settings.port', code: 'INVALID_PORT', message: '端口须为 1–65535 / port: 1–65535' });
    if (settings.user && settings.user.length > 200) issues.push({ field: 'settings.user', code: 'INVALID_USER', message: '用户名过长 / user name too long' });
    if ((secrets.password?.length ?? 0) > 500) issues.push({ field: 'settings.password', code: 'INVALID_PASSWORD', message: '密码过长 / password too long' });
    if (!settings.from || !isMailbox(settings.from)) issues.push({ field: 'settings.from', code: 'INVALID_EMAIL', message: '发件人地址无效 / invalid sender address' });
    if (!settings.to?.length || settings.to.length > 50 || !settings.to.every(isMailbox)) {
      issues.push({ field: 'settings.to', code: 'INVALID_EMAIL', message: '收件人须为 1–50 个有效邮箱 / recipients: 1–50 valid e-mail addresses' });
    }
  } else {
    if (!secrets.webhookUrl || !isWebhookUrl(secrets.webhookUrl)) {
      issues.push({ field: 'settings.webhookUrl', code: 'INVALID_WEBHOOK_URL', message: 'Webhook 地址须为 http(s) 网址 / webhookUrl must be an http(s) URL' });
    }
    if (type === 'dingtalk' && (secrets.secret?.length ?? 0) > 200) issues.push({ field: 'settings.secret', code: 'INVALID_SECRET', message: '加签密钥过长 / signing secret too long' });
  }
  return issues;
}

/** A webhook address for display: query values (the robot's key or token) and credentials hidden. */
export function maskUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    for (const key of [...new Set(url.searchParams.keys())]) {
      const value = url.searchParams.get(key) ?? '';
      url.searchParams.set(key, value.length >= 16 ? `****${value.slice(-4)}` : '****');
    }
    return url.toString().replaceAll('%2A', '*');
  } catch {
    return '****';
  }
}

/** Just where a webhook points (no query): enough for an audit row to say what changed. */
export function webhookTarget(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return null;
  }
}
